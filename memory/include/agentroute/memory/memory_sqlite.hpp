#pragma once

#include <agentroute/memory/memory.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace agentroute {

namespace detail {
class SqliteStore;
}

/// Options of `MemorySQLite`.
struct MemorySQLiteOptions {
    /// How long a write waits for another connection's lock before failing with `ErrorMemory`.
    std::chrono::milliseconds busy_timeout{5000};
    /// `synchronous=FULL`: survive power loss too, at an fsync per commit. The default
    /// (`NORMAL` in WAL mode) survives any crash of the process.
    bool sync_full = false;
    /// A size cap for the file (0: none). Writes past it fail with `ErrorMemory` (SQLITE_FULL)
    /// and store nothing, exactly like a full disk.
    std::int64_t max_bytes = 0;
    /// The write-ahead log's bound. While any connection (of any process) reads, a checkpoint
    /// cannot move its pages back into the file, and many busy processes can keep one from ever
    /// completing (30 writers grew a WAL to 2 GB). Past this, a commit truncates the WAL as
    /// soon as no reader holds an old snapshot, and when readers never let go, one commit in a
    /// while (each time the WAL has doubled) waits for them, up to `busy_timeout`, to truncate
    /// it. A checkpoint also leaves the file no larger than this (`journal_size_limit`).
    std::int64_t max_wal_bytes = 64 * 1024 * 1024;
};

/// Durable memory in one SQLite file: WAL journal, an FTS5 index kept in step with its table in
/// the same transaction, a versioned schema with migrations.
///
/// Opening creates or migrates the file (a blocking call: build it at start-up). Every later
/// operation runs on the store's own thread and resumes the caller on its own executor, so
/// thousands of runs share one store without blocking I/O threads. Several processes may open
/// the same file.
///
/// Throws `ErrorMemory` (with SQLite's extended code) for an unwritable path, a corrupt or
/// foreign file, a database locked past the busy timeout, or a full disk; nothing already stored
/// is lost.
class MemorySQLite : public Memory {
public:
    explicit MemorySQLite(const std::string& path, MemorySQLiteOptions options = {});
    ~MemorySQLite() override;

    const std::string& path() const noexcept;

protected:
    boost::asio::awaitable<std::string> do_remember(MemoryRecord record) override;
    boost::asio::awaitable<std::vector<MemoryRecord>> do_recall(std::string query, std::string ns,
                                                                std::size_t limit) override;
    boost::asio::awaitable<std::optional<MemoryRecord>> do_get(std::string key,
                                                               std::string ns) override;
    boost::asio::awaitable<bool> do_forget(std::string key, std::string ns) override;
    boost::asio::awaitable<std::vector<MemoryRecord>> do_recent(std::string ns,
                                                                std::size_t limit) override;
    boost::asio::awaitable<std::vector<Message>> do_load_conversation(std::string id) override;
    boost::asio::awaitable<void> do_append_conversation(std::string id,
                                                        std::vector<Message> messages) override;
    boost::asio::awaitable<double> do_add_to_total(std::string name, double amount) override;

private:
    std::shared_ptr<detail::SqliteStore> store_;
};

}  // namespace agentroute
