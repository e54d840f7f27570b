#pragma once

#include <agentroute/memory/memory_sqlite.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>
#include <boost/asio/thread_pool.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace agentroute::detail {

/// Told the outcome of a queued write once its transaction is durable (or failed).
class WriteCompletion {
public:
    virtual ~WriteCompletion() = default;
    virtual void complete(std::exception_ptr failure) = 0;
};

/// A write waiting for the next group commit.
struct QueuedWrite {
    std::function<void()> apply;  // runs on the store's thread, inside the batch's transaction
    std::unique_ptr<WriteCompletion> done;
};

/// One SQLite connection and the single thread that uses it. Every method runs on that thread
/// (MemorySQLite hops there with run_on), so statements are prepared once and never shared.
class SqliteStore {
public:
    SqliteStore(const std::string& path, const MemorySQLiteOptions& options);
    ~SqliteStore();

    boost::asio::any_io_executor executor() { return thread_.get_executor(); }
    const std::string& path() const noexcept { return path_; }

    /// Group commit: queued writes share one transaction, each under a savepoint of its own
    /// (a failing write costs only itself), and every write is told its outcome after COMMIT.
    /// Thread-safe. remember, forget and append_conversation are writes to queue this way.
    void submit(QueuedWrite write);

    std::string remember(const MemoryRecord& record);
    std::vector<MemoryRecord> recall(const std::string& query, const std::string& ns, std::size_t limit);
    std::optional<MemoryRecord> get(const std::string& key, const std::string& ns);
    bool forget(const std::string& key, const std::string& ns);
    std::vector<MemoryRecord> recent(const std::string& ns, std::size_t limit);
    std::vector<Message> load_conversation(const std::string& id);
    void append_conversation(const std::string& id, const std::vector<Message>& messages);
    double add_to_total(const std::string& name, double amount);

    /// Runs `f`, turning SQLite's exceptions into `ErrorMemory` naming the file and the cause.
    template <class F>
    auto guarded(F&& f) -> decltype(f());

private:
    [[noreturn]] void fail(const std::exception& e, int extended_code) const;
    MemoryRecord read_record(SQLite::Statement& s, bool with_score);

    // Runs `remove` (a delete); at the size cap, in headroom past it (see forget).
    int delete_past_the_cap(SQLite::Statement& remove);

    // After every commit (SQLite's WAL hook): the automatic checkpoint, and past max_wal_bytes
    // one that truncates the WAL.
    static int on_commit(void* self, sqlite3* db, const char* name, int wal_pages);

    // On the store's thread: the writes queued so far, in one transaction.
    void commit_queued();
    // `writes` of `batch` in one transaction, each under a savepoint; sets each one's outcome,
    // or lists it in `lost` when it succeeded in a transaction that was then lost.
    void commit_together(std::vector<QueuedWrite>& batch, const std::vector<std::size_t>& writes,
                         std::vector<std::exception_ptr>& outcome, std::vector<std::size_t>& lost);

    std::mutex queue_mutex_;
    std::vector<QueuedWrite> queue_;
    bool commit_posted_ = false;

    std::string path_;
    std::int64_t max_pages_ = 0;  // the size cap in pages (0: none)
    std::int64_t max_wal_pages_ = 0;
    std::int64_t force_truncate_at_ = 0;  // WAL pages at which a waiting checkpoint is forced next
    std::unique_ptr<SQLite::Database> db_;
    // Prepared once, reset after each use.
    std::unique_ptr<SQLite::Statement> upsert_, recall_, get_, forget_, recent_, load_, append_, max_seq_, add_total_;
    std::unique_ptr<SQLite::Statement> savepoint_, release_;  // around each queued write
    boost::asio::thread_pool thread_{1};
};

}  // namespace agentroute::detail

#include "sqlite_store_impl.hpp"
