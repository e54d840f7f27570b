#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

struct pg_conn;
struct pg_result;

namespace agentroute::detail {

/// One result of a statement: rows of text columns, owned.
class PgResult {
public:
    explicit PgResult(pg_result* result) noexcept;
    PgResult(PgResult&&) noexcept;
    PgResult& operator=(PgResult&&) noexcept;
    ~PgResult();

    int rows() const noexcept;
    std::string text(int row, int column) const;
    /// Rows a command changed (an INSERT's, a DELETE's).
    long long affected() const noexcept;
    pg_result* get() const noexcept { return result_; }

private:
    pg_result* result_;
};

/// What a connection is bounded by.
struct PgTimeouts {
    std::chrono::milliseconds connect{5000};
    /// The client's own bound on one round trip (the server's statement_timeout, plus slack).
    std::chrono::milliseconds round_trip{11000};
};

/// One PostgreSQL connection driven by libpq's non-blocking API: its socket waits on Asio, so
/// a query costs no thread. Not thread-safe: one operation at a time, on its executor.
///
/// Every failure throws `ErrorMemory` with the SQLSTATE when the server gave one. After a
/// failure that is not an SQL error (a lost connection, a timeout) `broken()` is true and the
/// connection must be dropped.
class PgConnection {
public:
    /// Connects (non-blocking, within `timeouts.connect`), then runs `setup_sql`.
    static boost::asio::awaitable<std::unique_ptr<PgConnection>> open(
        boost::asio::any_io_executor executor, const std::string& conninfo, PgTimeouts timeouts,
        const std::string& setup_sql);
    ~PgConnection();
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;

    /// Runs the statement prepared as `name` with text parameters; its one result.
    boost::asio::awaitable<PgResult> prepared(const char* name, std::span<const std::string> params);

    /// Runs `sql` (one or several statements, no parameters) and drops its results.
    boost::asio::awaitable<void> simple(const std::string& sql);

    bool broken() const noexcept { return broken_; }
    /// For an idle connection: whether it is still usable (reads what the server may have
    /// sent meanwhile, such as the FATAL of a restart, without waiting).
    bool alive();
    /// Whether the last operation's request may have reached the server (it could have run).
    bool request_may_have_run() const noexcept { return sent_; }

private:
    PgConnection(boost::asio::any_io_executor executor, pg_conn* conn, PgTimeouts timeouts);
    boost::asio::awaitable<void> connect();
    boost::asio::awaitable<void> flush();
    boost::asio::awaitable<std::vector<PgResult>> collect();
    enum class Wait { read, write };
    // Waits for the socket until `deadline`; a timeout marks the connection broken and throws.
    boost::asio::awaitable<void> wait(Wait what, std::chrono::steady_clock::time_point deadline);
    // Points the descriptor at libpq's current socket (it may change while connecting).
    void track_socket();
    [[noreturn]] void fail_connection(const std::string& doing);

    pg_conn* conn_;
    PgTimeouts timeouts_;
    boost::asio::posix::stream_descriptor socket_;
    boost::asio::steady_timer timer_;
    int tracked_fd_ = -1;
    bool broken_ = false;
    bool sent_ = false;
    std::chrono::steady_clock::time_point deadline_{};
};

}  // namespace agentroute::detail
