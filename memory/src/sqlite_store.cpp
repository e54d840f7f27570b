#include "sqlite_store.hpp"

#include "message_codec.hpp"
#include "migrations.hpp"
#include "namespace_tokenizer.hpp"
#include "text_search.hpp"

#include <agentroute/detail/exact_json.hpp>
#include <agentroute/errors.hpp>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <sqlite3.h>

#include <algorithm>

namespace agentroute::detail {
namespace {

std::string hint(int code) {
    switch (code & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED: return "the database is locked by another connection past the busy timeout";
        case SQLITE_FULL: return "the disk or the database is full";
        case SQLITE_NOTADB: return "the file is not a SQLite database (or its header is corrupt)";
        case SQLITE_CORRUPT: return "the database file is corrupt: restore it from a backup";
        case SQLITE_CANTOPEN: return "cannot open the file: check that its folder exists and is writable";
        case SQLITE_READONLY: return "the file is read-only";
        case SQLITE_IOERR: return "an I/O error occurred";
        case SQLITE_PERM: return "permission denied";
        default: return {};
    }
}

}  // namespace

SqliteStore::SqliteStore(const std::string& path, const MemorySQLiteOptions& options) : path_(path) {
    guarded([&] {
        db_ = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                                 static_cast<int>(options.busy_timeout.count()));
        // WAL: readers never block the writer, and several processes share the file.
        db_->execAndGet("PRAGMA journal_mode=WAL");
        // NORMAL in WAL mode: a commit reaches the OS before it returns, so it survives any
        // crash or SIGKILL of this process; only an OS crash or power loss may lose the last
        // commits (not the file's consistency). FULL adds an fsync per commit for that case.
        db_->exec(options.sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
        // The FTS index's pages are read on every write: kept in this connection's cache
        // (64 MiB) rather than read() from the OS's on each transaction.
        db_->exec("PRAGMA cache_size = -65536");
        register_namespace_search(db_->getHandle());
        migrate(*db_, path_);
        const auto page = db_->execAndGet("PRAGMA page_size").getInt64();
        if (options.max_wal_bytes > 0) {
            max_wal_pages_ = std::max<std::int64_t>(1, options.max_wal_bytes / page);
            force_truncate_at_ = 2 * max_wal_pages_;
            db_->exec("PRAGMA journal_size_limit = " + std::to_string(options.max_wal_bytes));
            sqlite3_wal_hook(db_->getHandle(), &SqliteStore::on_commit, this);
        }
        if (options.max_bytes > 0) {
            max_pages_ = std::max<std::int64_t>(1, options.max_bytes / page);
            db_->exec("PRAGMA max_page_count = " + std::to_string(max_pages_));
        }
        upsert_ = std::make_unique<SQLite::Statement>(*db_,
            "INSERT INTO memories(ns, key, text, tags, metadata, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
            "ON CONFLICT(ns, key) DO UPDATE SET text = excluded.text, tags = excluded.tags, "
            "metadata = excluded.metadata, created_ms = excluded.created_ms");
        recall_ = std::make_unique<SQLite::Statement>(*db_,
            "SELECT m.key, m.ns, m.text, m.tags, m.metadata, m.created_ms, -bm25(memories_fts) "
            "FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid "
            "WHERE memories_fts MATCH ?1 AND m.ns = ?2 ORDER BY bm25(memories_fts), m.id DESC LIMIT ?3");
        get_ = std::make_unique<SQLite::Statement>(*db_,
            "SELECT key, ns, text, tags, metadata, created_ms FROM memories WHERE ns = ?1 AND key = ?2");
        forget_ = std::make_unique<SQLite::Statement>(*db_, "DELETE FROM memories WHERE ns = ?1 AND key = ?2");
        recent_ = std::make_unique<SQLite::Statement>(*db_,
            "SELECT key, ns, text, tags, metadata, created_ms FROM memories WHERE ns = ?1 "
            "ORDER BY created_ms DESC, id DESC LIMIT ?2");
        load_ = std::make_unique<SQLite::Statement>(*db_,
            "SELECT message FROM conversation_messages WHERE conversation = ?1 ORDER BY seq");
        max_seq_ = std::make_unique<SQLite::Statement>(*db_,
            "SELECT COALESCE(MAX(seq), -1) FROM conversation_messages WHERE conversation = ?1");
        add_total_ = std::make_unique<SQLite::Statement>(*db_,
            "INSERT INTO totals(name, value) VALUES (?1, ?2) "
            "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value RETURNING value");
        savepoint_ = std::make_unique<SQLite::Statement>(*db_, "SAVEPOINT queued_write");
        release_ = std::make_unique<SQLite::Statement>(*db_, "RELEASE queued_write");
        append_ = std::make_unique<SQLite::Statement>(*db_,
            "INSERT INTO conversation_messages(conversation, seq, message) VALUES (?1, ?2, ?3)");
    });
}

SqliteStore::~SqliteStore() { thread_.join(); }

int SqliteStore::on_commit(void* self, sqlite3* db, const char* name, int wal_pages) {
    // A passive checkpoint past 4,000 pages (SQLite's own default is 1,000): a page that many
    // commits write in between, as the full-text index's are, is copied to the database once
    // (about 10 % more writes a second at 64 writers). Past the bound, a passive
    // checkpoint first: when it could copy every frame (no reader holds an old snapshot), a
    // truncating one costs no wait and shrinks the file. When readers keep it from completing
    // (busy processes can, for good), a truncating checkpoint that waits for them (up to the
    // busy timeout) is forced, each time the WAL has doubled since the last forced one, so a
    // reader that holds on costs a few waits, not one per commit. A failed checkpoint is no
    // failure of the commit, which is done.
    constexpr int auto_checkpoint_pages = 4000;
    auto& store = *static_cast<SqliteStore*>(self);
    if (wal_pages >= store.max_wal_pages_) {
        int log = 0, copied = 0;
        (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
        if (copied == log || wal_pages >= store.force_truncate_at_) {
            const int rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
            store.force_truncate_at_ = rc == SQLITE_OK ? 2 * store.max_wal_pages_ : 2 * std::int64_t{wal_pages};
        }
    } else if (wal_pages >= auto_checkpoint_pages) {
        (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
    return SQLITE_OK;
}

// Statements are reset with tryReset(): after a failed step, reset() would throw that old
// error again and poison the next operation.

void SqliteStore::fail(const std::exception& e, int extended_code) const {
    std::string what = "memory store '" + path_ + "': " + e.what();
    if (std::string h = hint(extended_code); !h.empty()) what += " (" + h + ")";
    throw ErrorMemory(what, extended_code);
}

MemoryRecord SqliteStore::read_record(SQLite::Statement& s, bool with_score) {
    MemoryRecord r;
    r.key = s.getColumn(0).getString();
    r.ns = s.getColumn(1).getString();
    r.text = s.getColumn(2).getString();
    r.tags = decode_tags(s.getColumn(3).getString());
    r.metadata = s.getColumn(4).getString();
    r.created_ms = s.getColumn(5).getInt64();
    if (with_score) r.score = s.getColumn(6).getDouble();
    return r;
}

std::string SqliteStore::remember(const MemoryRecord& record) {
    return guarded([&] {
        SQLite::Statement& s = *upsert_;
        s.tryReset();
        s.bind(1, record.ns);
        s.bind(2, record.key);
        s.bind(3, record.text);
        s.bind(4, encode_tags(record.tags));
        s.bind(5, record.metadata);
        s.bind(6, static_cast<std::int64_t>(record.created_ms));
        s.exec();  // inside the batch's transaction (commit_queued), the FTS triggers with it
        s.tryReset();
        return record.key;
    });
}

std::vector<MemoryRecord> SqliteStore::recall(const std::string& query, const std::string& ns,
                                              std::size_t limit) {
    const std::string marker = namespaced_text(ns, {});
    const std::string all_words = fts5_match_expression(query, " AND ", marker);
    if (all_words.empty() || limit == 0) return {};
    // Items holding every word (a selective query, cheap even on a large store); only when none
    // does, items holding any of the words. Ranking an OR of common words must score every
    // item holding one of them, so it is the fallback, not the rule.
    return guarded([&] {
        std::vector<MemoryRecord> out;
        auto run = [&](const std::string& match) {
            SQLite::Statement& s = *recall_;
            s.tryReset();
            s.bind(1, match);
            s.bind(2, ns);
            s.bind(3, static_cast<std::int64_t>(limit));
            while (s.executeStep() && out.size() < limit) {
                MemoryRecord r = read_record(s, true);
                const bool seen = std::any_of(out.begin(), out.end(), [&](const MemoryRecord& o) { return o.key == r.key; });
                if (!seen) out.push_back(std::move(r));
            }
            s.tryReset();
        };
        run(all_words);
        const std::string any_word = fts5_match_expression(query, " OR ", marker);
        if (out.empty() && any_word != all_words) run(any_word);
        return out;
    });
}

std::optional<MemoryRecord> SqliteStore::get(const std::string& key, const std::string& ns) {
    return guarded([&]() -> std::optional<MemoryRecord> {
        SQLite::Statement& s = *get_;
        s.tryReset();
        s.bind(1, ns);
        s.bind(2, key);
        std::optional<MemoryRecord> out;
        if (s.executeStep()) out = read_record(s, false);
        s.tryReset();
        return out;
    });
}

// Deleting writes too: the full-text index records a deletion in new pages before its segments
// merge. At the size cap that write fails with SQLITE_FULL, and a full store could never be
// shrunk. So a delete in a capped store runs with headroom past the cap (a few pages; the pages
// it frees are reused by the next writes), and the cap is put back. Given up front, not after a
// refusal: inside a group commit, SQLITE_FULL may roll the whole batch back.
int SqliteStore::delete_past_the_cap(SQLite::Statement& remove) {
    if (max_pages_ == 0) {
        const int changed = remove.exec();
        remove.tryReset();
        return changed;
    }
    constexpr std::int64_t headroom_pages = 64;
    db_->exec("PRAGMA max_page_count = " + std::to_string(max_pages_ + headroom_pages));
    struct PutCapBack {
        SQLite::Database& db;
        SQLite::Statement& remove;
        std::int64_t pages;
        ~PutCapBack() {
            remove.tryReset();
            try {
                db.exec("PRAGMA max_page_count = " + std::to_string(pages));  // clamped to the file's size
            } catch (...) {
            }
        }
    } put_back{*db_, remove, max_pages_};
    return remove.exec();
}

bool SqliteStore::forget(const std::string& key, const std::string& ns) {
    return guarded([&] {
        SQLite::Statement& s = *forget_;
        s.tryReset();
        s.bind(1, ns);
        s.bind(2, key);
        return delete_past_the_cap(s) > 0;
    });
}

std::vector<MemoryRecord> SqliteStore::recent(const std::string& ns, std::size_t limit) {
    return guarded([&] {
        SQLite::Statement& s = *recent_;
        s.tryReset();
        s.bind(1, ns);
        s.bind(2, static_cast<std::int64_t>(limit));
        std::vector<MemoryRecord> out;
        while (s.executeStep()) out.push_back(read_record(s, false));
        s.tryReset();
        return out;
    });
}

std::vector<Message> SqliteStore::load_conversation(const std::string& id) {
    return guarded([&] {
        SQLite::Statement& s = *load_;
        s.tryReset();
        s.bind(1, id);
        std::vector<Message> out;
        while (s.executeStep()) {
            try {
                out.push_back(decode_message(s.getColumn(0).getString()));
            } catch (const ErrorMemory& e) {
                // Only a change made outside the library gets here: say where it is.
                throw ErrorMemory("conversation '" + id + "', message " + std::to_string(out.size()) + " in " +
                                  path_ + ": " + e.what() + " (was the file edited outside AgentRoute?)");
            }
        }
        s.tryReset();
        return out;
    });
}

void SqliteStore::append_conversation(const std::string& id, const std::vector<Message>& messages) {
    // Queued writes run inside a transaction (commit_queued): the turns are stored whole or
    // not at all, whatever kills us.
    guarded([&] {
        max_seq_->tryReset();
        max_seq_->bind(1, id);
        max_seq_->executeStep();
        std::int64_t seq = max_seq_->getColumn(0).getInt64();
        max_seq_->tryReset();
        for (const Message& m : messages) {
            append_->tryReset();
            append_->bind(1, id);
            append_->bind(2, ++seq);
            append_->bind(3, encode_message(m));
            append_->exec();
        }
        append_->tryReset();
    });
}

double SqliteStore::add_to_total(const std::string& name, double amount) {
    // Inside the batch's transaction (commit_queued): the write lock orders every process's adds.
    return guarded([&] {
        SQLite::Statement& s = *add_total_;
        s.tryReset();
        s.bind(1, name);
        s.bind(2, amount);
        s.executeStep();
        const double total = s.getColumn(0).getDouble();
        s.tryReset();
        return total;
    });
}

void SqliteStore::submit(QueuedWrite write) {
    bool post = false;
    {
        std::lock_guard lock(queue_mutex_);
        queue_.push_back(std::move(write));
        post = !std::exchange(commit_posted_, true);
    }
    // Writes that arrive while a batch commits queue up for the next one.
    if (post) boost::asio::post(thread_, [this] { commit_queued(); });
}

void SqliteStore::commit_queued() {
    std::vector<QueuedWrite> batch;
    {
        std::lock_guard lock(queue_mutex_);
        batch.swap(queue_);
        commit_posted_ = false;
    }
    std::vector<std::exception_ptr> outcome(batch.size());
    std::vector<std::size_t> lost;  // done in a transaction SQLite then threw away
    std::vector<std::size_t> all(batch.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    commit_together(batch, all, outcome, lost);
    // A write lost with its transaction (SQLite rolls a whole transaction back on a full disk
    // or an I/O error, and a COMMIT that fails loses every write in it) is not what failed:
    // each is tried again in a transaction of its own, so a failing write costs only itself.
    for (std::size_t i : lost) {
        std::vector<std::size_t> alone{i};
        std::vector<std::size_t> lost_again;
        commit_together(batch, alone, outcome, lost_again);
    }
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done->complete(std::move(outcome[i]));
}

void SqliteStore::commit_together(std::vector<QueuedWrite>& batch, const std::vector<std::size_t>& writes,
                                  std::vector<std::exception_ptr>& outcome, std::vector<std::size_t>& lost) {
    sqlite3* handle = db_->getHandle();
    std::vector<std::size_t> done;  // succeeded in the transaction in progress
    // Each write gets an error of its own: the callers release them on their own threads, and
    // one exception shared across threads would be freed by whichever releases it last.
    auto fail_with = [&](std::size_t j, const std::exception_ptr& cause) {
        try {
            std::rethrow_exception(cause);
        } catch (const ErrorMemory& m) {
            outcome[j] = std::make_exception_ptr(m);
        } catch (...) {
            outcome[j] = std::current_exception();
        }
    };
    // When the transaction is lost, its done writes are lost with it: retried alone by the
    // caller, or when this was the write alone, failed with the cause.
    auto lose_done = [&](const std::exception_ptr& cause) {
        for (std::size_t j : done) {
            if (writes.size() > 1) {
                lost.push_back(j);
            } else {
                fail_with(j, cause);
            }
        }
        done.clear();
    };
    auto begin = [&] { guarded([&] { db_->exec("BEGIN IMMEDIATE"); }); };
    std::size_t next = 0;
    try {
        begin();
        for (; next < writes.size(); ++next) {
            const std::size_t i = writes[next];
            try {
                guarded([&] {
                    savepoint_->tryReset();
                    savepoint_->exec();
                });
                batch[i].apply();
                guarded([&] {
                    release_->tryReset();
                    release_->exec();
                });
                done.push_back(i);
            } catch (...) {
                outcome[i] = std::current_exception();
                if (sqlite3_get_autocommit(handle) != 0) {
                    // SQLite rolled the whole transaction back: the writes before this one in
                    // it are gone too. The rest get a fresh one.
                    lose_done(outcome[i]);
                    begin();
                } else {
                    guarded([&] {
                        db_->exec("ROLLBACK TO queued_write");
                        db_->exec("RELEASE queued_write");
                    });
                }
            }
        }
        guarded([&] { db_->exec("COMMIT"); });
    } catch (...) {
        const std::exception_ptr cause = std::current_exception();
        lose_done(cause);
        // Writes not reached (BEGIN failed) fail with the cause.
        for (std::size_t k = next; k < writes.size(); ++k) {
            if (!outcome[writes[k]]) fail_with(writes[k], cause);
        }
        if (sqlite3_get_autocommit(handle) == 0) {
            try {
                db_->exec("ROLLBACK");
            } catch (...) {
            }
        }
    }
}

}  // namespace agentroute::detail
