#pragma once

#include <agentroute/memory/memory.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace agentroute {

namespace detail {
class PgStore;
}

/// Options of `MemoryPostgres`.
struct MemoryPostgresOptions {
    /// Connections open at most. An operation waits for a free one up to `pool_wait`, then
    /// fails with `ErrorMemory` ("pool exhausted"): a bound, never a queue that grows.
    std::size_t pool_size = 8;
    std::chrono::milliseconds pool_wait{5000};
    /// Opening a connection (TCP, TLS, authentication), and the migrations at start-up.
    std::chrono::milliseconds connect_timeout{5000};
    /// The server-side `statement_timeout` of every statement (a lock wait counts). The client
    /// gives up on a server that stops answering one second after it.
    std::chrono::milliseconds statement_timeout{10000};
    /// After a failed connection attempt the next one waits, doubling from `reconnect_backoff`
    /// up to `reconnect_backoff_max`, so a restarting server is not hammered.
    std::chrono::milliseconds reconnect_backoff{50};
    std::chrono::milliseconds reconnect_backoff_max{2000};
    /// The schema holding the store's tables (created when missing): several stores may share
    /// one database. Lower-case letters, digits and '_', starting with a letter or '_'.
    std::string schema = "agentroute";
    /// Where the connections' sockets are driven: empty, a thread of the store's own. Given
    /// (e.g. an io_context's executor), a strand on it; no thread is started.
    boost::asio::any_io_executor executor{};
};

/// Durable memory in PostgreSQL (15 or newer), shared by any number of processes and hosts:
/// the same behaviour as `Memory` and `MemorySQLite`, asynchronous end to end on libpq's
/// non-blocking API, its sockets on Asio (no thread per query, no blocking call on an I/O thread).
///
/// - Recall is PostgreSQL full-text search on a generated `tsvector` (English stems, no stop
///   words, like SQLite's porter tokenizer) under a GIN index keyed by (namespace, words).
/// - `append_conversation` is one statement: whole turns or nothing, and concurrent appends to
///   one conversation (from any process) serialize on the conversation's row lock.
/// - The schema is versioned; migrations run once under an advisory lock, however many
///   processes start at once, and a schema newer than this build is refused.
///
/// Opening connects once and migrates (a blocking call: build it at start-up); it throws
/// `ErrorMemory` for a refused connection, failed authentication or a newer schema. Later
/// failures (a restarted server, a statement timeout, an exhausted pool) are `ErrorMemory`
/// with the SQLSTATE (`ErrorMemory::sqlstate()`) and a hint, within the timeouts above. Reads
/// and `remember` are retried once on a fresh connection after a lost one; an append that may
/// have reached the server is reported, never sent twice.
class MemoryPostgres : public Memory {
public:
    /// `conninfo`: a libpq connection string or URI ("host=db.internal dbname=app user=agents",
    /// "postgresql://agents@db.internal/app"); libpq's environment variables fill the rest.
    explicit MemoryPostgres(const std::string& conninfo, MemoryPostgresOptions options = {});
    ~MemoryPostgres() override;

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
    std::shared_ptr<detail::PgStore> store_;
};

}  // namespace agentroute
