#include "migrations.hpp"

#include <agentroute/errors.hpp>

#include <SQLiteCpp/Transaction.h>

#include <array>

namespace agentroute::detail {
namespace {

// Index i upgrades version i to i + 1. Append only; never edit a shipped step.
constexpr std::array<const char*, memory_schema_version> steps{
    R"sql(
    CREATE TABLE memories(
        id INTEGER PRIMARY KEY,
        ns TEXT NOT NULL,
        key TEXT NOT NULL,
        text TEXT NOT NULL,
        tags TEXT NOT NULL,
        metadata TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        UNIQUE(ns, key));
    CREATE INDEX memories_recent ON memories(ns, created_ms DESC, id DESC);
    -- External-content FTS5 index; the triggers keep it in step inside the writer's transaction.
    CREATE VIRTUAL TABLE memories_fts USING fts5(
        text, tags, content='memories', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
    CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN
        INSERT INTO memories_fts(rowid, text, tags) VALUES (new.id, new.text, new.tags);
    END;
    CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
        INSERT INTO memories_fts(memories_fts, rowid, text, tags) VALUES ('delete', old.id, old.text, old.tags);
    END;
    CREATE TRIGGER memories_au AFTER UPDATE ON memories BEGIN
        INSERT INTO memories_fts(memories_fts, rowid, text, tags) VALUES ('delete', old.id, old.text, old.tags);
        INSERT INTO memories_fts(rowid, text, tags) VALUES (new.id, new.text, new.tags);
    END;
    CREATE TABLE conversation_messages(
        conversation TEXT NOT NULL,
        seq INTEGER NOT NULL,
        message TEXT NOT NULL,
        PRIMARY KEY(conversation, seq)) WITHOUT ROWID;
    )sql",
    // 2: the namespace inside the full-text index's keys (namespace_tokenizer.hpp), so a recall
    // reads its own namespace's postings only. Contentless: the index keeps no copy of the text.
    R"sql(
    DROP TRIGGER memories_ai;
    DROP TRIGGER memories_ad;
    DROP TRIGGER memories_au;
    DROP TABLE memories_fts;
    CREATE VIRTUAL TABLE memories_fts USING fts5(text, tags, content='', tokenize='agentroute_ns');
    INSERT INTO memories_fts(rowid, text, tags)
        SELECT id, agentroute_ns_text(ns, text), agentroute_ns_text(ns, tags) FROM memories;
    CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN
        INSERT INTO memories_fts(rowid, text, tags)
            VALUES (new.id, agentroute_ns_text(new.ns, new.text), agentroute_ns_text(new.ns, new.tags));
    END;
    CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
        INSERT INTO memories_fts(memories_fts, rowid, text, tags)
            VALUES ('delete', old.id, agentroute_ns_text(old.ns, old.text), agentroute_ns_text(old.ns, old.tags));
    END;
    CREATE TRIGGER memories_au AFTER UPDATE ON memories BEGIN
        INSERT INTO memories_fts(memories_fts, rowid, text, tags)
            VALUES ('delete', old.id, agentroute_ns_text(old.ns, old.text), agentroute_ns_text(old.ns, old.tags));
        INSERT INTO memories_fts(rowid, text, tags)
            VALUES (new.id, agentroute_ns_text(new.ns, new.text), agentroute_ns_text(new.ns, new.tags));
    END;
    )sql",
    // 3: running totals (Memory::add_to_total), added to in place by every process.
    R"sql(
    CREATE TABLE totals(name TEXT PRIMARY KEY, value REAL NOT NULL) WITHOUT ROWID;
    )sql",
    // 4: the full-text index merges its segments 16 at a time, not 4 (and only past 64 in one
    // level, not 16, merges in the writer's way): every commit writes a segment, and with
    // FTS5's defaults each term was rewritten by a merge about log4(commits) times. 1.3x the
    // writes a second at 64 writers; recall reads a few more segments (p99 8.5 ms at 1M).
    R"sql(
    INSERT INTO memories_fts(memories_fts, rank) VALUES ('automerge', 16);
    INSERT INTO memories_fts(memories_fts, rank) VALUES ('crisismerge', 64);
    )sql",
};

int user_version(SQLite::Database& db) { return db.execAndGet("PRAGMA user_version").getInt(); }

}  // namespace

void migrate(SQLite::Database& db, const std::string& path) {
    int version = user_version(db);
    if (version > memory_schema_version) {
        throw ErrorMemory("memory store '" + path + "' has schema version " + std::to_string(version) +
                          ", newer than this build supports (" +
                          std::to_string(memory_schema_version) + "): upgrade agentroute");
    }
    while (version < memory_schema_version) {
        // IMMEDIATE: two processes migrating at once serialize on the write lock, and the second
        // re-reads the version inside its transaction.
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        version = user_version(db);
        if (version >= memory_schema_version) break;
        db.exec(steps[version]);
        db.exec("PRAGMA user_version = " + std::to_string(version + 1));
        tx.commit();
        ++version;
    }
}

}  // namespace agentroute::detail
