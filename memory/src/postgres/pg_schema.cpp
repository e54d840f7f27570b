#include "pg_schema.hpp"

#include "pg_errors.hpp"

#include <agentroute/errors.hpp>

#include <libpq-fe.h>

#include <array>
#include <memory>

namespace agentroute::detail {
namespace {

// Index i upgrades version i to i + 1. Append only; never edit a shipped step.
constexpr std::array<const char*, postgres_schema_version> steps{
    R"sql(
    -- The namespace leads the GIN index's key (btree_gin), so a search reads one namespace's
    -- postings and never another tenant's words.
    CREATE EXTENSION IF NOT EXISTS btree_gin;
    -- English stems and no stop words, like the SQLite store's porter tokenizer.
    CREATE TEXT SEARCH DICTIONARY agentroute_stem (TEMPLATE = pg_catalog.snowball, Language = english);
    CREATE TEXT SEARCH CONFIGURATION agentroute_words (COPY = pg_catalog.simple);
    ALTER TEXT SEARCH CONFIGURATION agentroute_words
        ALTER MAPPING FOR asciiword, word, numword, asciihword, hword, numhword, hword_asciipart,
                          hword_part, hword_numpart WITH agentroute_stem;
    CREATE TABLE memories(
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        ns text NOT NULL,
        key text NOT NULL,
        text text NOT NULL,
        tags text NOT NULL,
        metadata text NOT NULL,
        created_ms bigint NOT NULL,
        words tsvector GENERATED ALWAYS AS (to_tsvector('agentroute_words'::regconfig, text || ' ' || tags)) STORED,
        UNIQUE(ns, key));
    CREATE INDEX memories_recent ON memories(ns, created_ms DESC, id DESC);
    CREATE INDEX memories_words ON memories USING gin(ns, words);
    -- A conversation's row is its lock: appends to it serialize on the row, and next_seq
    -- numbers their messages.
    CREATE TABLE conversations(
        id text PRIMARY KEY,
        next_seq bigint NOT NULL);
    CREATE TABLE conversation_messages(
        conversation text NOT NULL,
        seq bigint NOT NULL,
        message text NOT NULL,
        PRIMARY KEY(conversation, seq));
    )sql",
    // 2: running totals (Memory::add_to_total): an add updates its row in place, so concurrent
    // adds from any number of processes serialize on the row and each counts once.
    R"sql(
    CREATE TABLE totals(
        name text PRIMARY KEY,
        value double precision NOT NULL);
    )sql",
};

// An arbitrary constant: the key of the database-wide migration lock.
constexpr const char* migration_lock = "7290183648237";

struct ConnFree {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct ResultFree {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnFree>;
using Result = std::unique_ptr<PGresult, ResultFree>;

Result exec(PGconn* conn, const std::string& sql) {
    Result r(PQexec(conn, sql.c_str()));
    if (std::string error = result_error(r.get()); !error.empty()) {
        throw ErrorMemory("postgres: migrating the memory schema: " + error, 0, sqlstate_of(r.get()));
    }
    return r;
}

}  // namespace

bool valid_schema_name(const std::string& schema) {
    if (schema.empty() || schema.size() > 63) return false;
    if (!(schema[0] == '_' || (schema[0] >= 'a' && schema[0] <= 'z'))) return false;
    for (char c : schema) {
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
    }
    return true;
}

void migrate_postgres(const std::string& conninfo, const std::string& schema, std::chrono::milliseconds timeout) {
    const std::string seconds = std::to_string(std::max<long long>(2, (timeout.count() + 999) / 1000));
    const std::array<const char*, 4> keys{"fallback_application_name", "dbname", "connect_timeout", nullptr};
    const std::array<const char*, 4> values{"agentroute", conninfo.c_str(), seconds.c_str(), nullptr};
    Conn conn(PQconnectdbParams(keys.data(), values.data(), 1));
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
        throw ErrorMemory("postgres: connecting: " + connection_message(conn.get()), 0, "08001");
    }
    PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
    const std::string ms = std::to_string(timeout.count());
    exec(conn.get(), "SET lock_timeout = " + ms + "; SET statement_timeout = " + ms);
    // Session-level: held across the steps' transactions, released by unlock or disconnect.
    exec(conn.get(), std::string("SELECT pg_advisory_lock(") + migration_lock + ")");
    exec(conn.get(), "CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"; SET search_path TO \"" + schema + "\"");
    exec(conn.get(), "CREATE TABLE IF NOT EXISTS schema_version(version integer NOT NULL)");
    Result current = exec(conn.get(), "SELECT max(version) FROM schema_version");
    int version = PQgetisnull(current.get(), 0, 0) ? 0 : std::atoi(PQgetvalue(current.get(), 0, 0));
    if (version > postgres_schema_version) {
        throw ErrorMemory("postgres: the memory schema \"" + schema + "\" has version " + std::to_string(version) +
                          ", newer than this build supports (" + std::to_string(postgres_schema_version) +
                          "): upgrade agentroute");
    }
    for (; version < postgres_schema_version; ++version) {
        exec(conn.get(), std::string("BEGIN; ") + steps[version] + "; DELETE FROM schema_version; " +
                             "INSERT INTO schema_version VALUES (" + std::to_string(version + 1) + "); COMMIT");
    }
    exec(conn.get(), std::string("SELECT pg_advisory_unlock(") + migration_lock + ")");
}

std::string postgres_session_setup(const std::string& schema, std::chrono::milliseconds statement_timeout) {
    return "SET search_path TO \"" + schema + "\";"
           "SET statement_timeout = " + std::to_string(statement_timeout.count()) + ";"
           R"sql(
    PREPARE ar_remember(text, text, text, text, text, bigint) AS
        INSERT INTO memories(ns, key, text, tags, metadata, created_ms) VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (ns, key) DO UPDATE SET text = excluded.text, tags = excluded.tags,
            metadata = excluded.metadata, created_ms = excluded.created_ms;
    PREPARE ar_recall(text, text, bigint) AS
        SELECT key, ns, text, tags, metadata, created_ms, ts_rank(words, q)
        FROM memories, to_tsquery('agentroute_words', $2) AS q
        WHERE ns = $1 AND words @@ q ORDER BY 7 DESC, id DESC LIMIT $3;
    PREPARE ar_get(text, text) AS
        SELECT key, ns, text, tags, metadata, created_ms FROM memories WHERE ns = $1 AND key = $2;
    PREPARE ar_forget(text, text) AS DELETE FROM memories WHERE ns = $1 AND key = $2;
    PREPARE ar_recent(text, bigint) AS
        SELECT key, ns, text, tags, metadata, created_ms FROM memories WHERE ns = $1
        ORDER BY created_ms DESC, id DESC LIMIT $2;
    PREPARE ar_load(text) AS
        SELECT message FROM conversation_messages WHERE conversation = $1 ORDER BY seq;
    -- One statement, so one transaction: the turn is stored whole or not at all. The upsert
    -- takes the conversation's row lock: a concurrent append waits for this one's commit and
    -- numbers its messages after these.
    PREPARE ar_append(text, bigint, text) AS
        WITH c AS (
            INSERT INTO conversations(id, next_seq) VALUES ($1, $2)
            ON CONFLICT (id) DO UPDATE SET next_seq = conversations.next_seq + excluded.next_seq
            RETURNING next_seq - $2 AS first)
        INSERT INTO conversation_messages(conversation, seq, message)
        SELECT $1, c.first + m.ord - 1, m.message
        FROM c, json_array_elements_text($3::json) WITH ORDINALITY AS m(message, ord);
    PREPARE ar_add_total(text, double precision) AS
        INSERT INTO totals(name, value) VALUES ($1, $2)
        ON CONFLICT (name) DO UPDATE SET value = totals.value + excluded.value
        RETURNING value;
    )sql";
}

}  // namespace agentroute::detail
