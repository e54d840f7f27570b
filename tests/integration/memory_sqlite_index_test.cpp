// MemorySQLite's full-text index: keyed by namespace and word, and a file of the schema before
// that (version 1) migrated to it with its memories found again.

#include "namespace_tokenizer.hpp"

#include <agentroute/memory/memory_sqlite.hpp>

#include <agentroute_test/run_co.hpp>
#include <agentroute_test/temp_dir.hpp>
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <set>

using namespace agentroute;
using agentroute::test::run_co;
using agentroute::test::TempDir;

namespace {

std::vector<std::string> keys_of(const std::vector<MemoryRecord>& records) {
    std::vector<std::string> keys;
    for (const auto& r : records) keys.push_back(r.key);
    return keys;
}

// Version 1 of the schema as the release before namespaced search wrote it, with two memories.
void write_version_one_file(const std::string& path) {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(R"sql(
    CREATE TABLE memories(id INTEGER PRIMARY KEY, ns TEXT NOT NULL, key TEXT NOT NULL, text TEXT NOT NULL,
        tags TEXT NOT NULL, metadata TEXT NOT NULL, created_ms INTEGER NOT NULL, UNIQUE(ns, key));
    CREATE INDEX memories_recent ON memories(ns, created_ms DESC, id DESC);
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
    CREATE TABLE conversation_messages(conversation TEXT NOT NULL, seq INTEGER NOT NULL, message TEXT NOT NULL,
        PRIMARY KEY(conversation, seq)) WITHOUT ROWID;
    INSERT INTO memories(ns, key, text, tags, metadata, created_ms) VALUES
        ('acme', 'refunds', 'Refunds over 500 USD need a manager''s approval', '["billing"]', '{}', 1),
        ('globex', 'outage', 'The reporting disk filled up overnight', '["ops"]', '{}', 2);
    INSERT INTO conversation_messages VALUES ('c', 0, '{"role":"user","content":"hi"}');
    PRAGMA user_version = 1;
    )sql");
}

}  // namespace

TEST(MemorySqliteIndex, AVersionOneFileIsMigratedAndItsMemoriesAreFoundAgain) {
    TempDir dir;
    const std::string path = dir.file("v1.db");
    write_version_one_file(path);
    {
        MemorySQLite memory(path);
        EXPECT_EQ(keys_of(run_co(memory.recall("manager approving refunds", "acme"))),
                  std::vector<std::string>{"refunds"});
        EXPECT_EQ(keys_of(run_co(memory.recall("billing", "acme"))), std::vector<std::string>{"refunds"});
        EXPECT_TRUE(run_co(memory.recall("refunds", "globex")).empty());
        EXPECT_EQ(keys_of(run_co(memory.recall("disk", "globex"))), std::vector<std::string>{"outage"});
        EXPECT_EQ(run_co(memory.load_conversation("c")).size(), 1u);
        // The migrated index follows writes and deletes as a new one does.
        run_co(memory.forget("outage", "globex"));
        EXPECT_TRUE(run_co(memory.recall("disk", "globex")).empty());
        run_co(memory.remember("The disk was replaced", "globex", "disk"));
        EXPECT_EQ(keys_of(run_co(memory.recall("disk", "globex"))), std::vector<std::string>{"disk"});
    }
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 4);  // to the newest, one step at a time
}

TEST(MemorySqliteIndex, TheIndexKeysEveryWordByItsNamespace) {
    TempDir dir;
    const std::string path = dir.file("keys.db");
    {
        MemorySQLite memory(path);
        run_co(memory.remember("invoice overdue", "acme", "a"));
        run_co(memory.remember("invoice paid", "globex", "b"));
        EXPECT_EQ(keys_of(run_co(memory.recall("invoice", "acme"))), std::vector<std::string>{"a"});
        EXPECT_EQ(keys_of(run_co(memory.recall("invoice", "globex"))), std::vector<std::string>{"b"});
    }
    // The index's own vocabulary: one term per (namespace, word), so "invoice" is two terms and a
    // recall in one namespace never reads the other's postings.
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    agentroute::detail::register_namespace_search(db.getHandle());
    db.exec("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, memories_fts, row)");
    SQLite::Statement terms(db, "SELECT term FROM temp.vocab");
    std::set<std::string> invoice_terms;
    std::size_t count = 0;
    while (terms.executeStep()) {
        const std::string term = terms.getColumn(0).getString();
        ++count;
        ASSERT_EQ(term.size() > 17 && term[0] == 'n', true) << term;
        if (term.substr(17) == "invoic") invoice_terms.insert(term.substr(0, 17));
    }
    EXPECT_EQ(invoice_terms.size(), 2u);
    EXPECT_GE(count, 4u);
}
