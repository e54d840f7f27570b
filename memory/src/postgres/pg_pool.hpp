#pragma once

#include "pg_connection.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace agentroute::detail {

class PgPool;

/// A connection borrowed from the pool; given back when the lease ends (dropped if broken).
class PgLease {
public:
    PgLease(PgPool& pool, std::unique_ptr<PgConnection> connection) noexcept;
    PgLease(PgLease&& other) noexcept;
    PgLease& operator=(PgLease&&) = delete;
    ~PgLease();
    PgConnection& operator*() const noexcept { return *connection_; }
    PgConnection* operator->() const noexcept { return connection_.get(); }

private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> connection_;
};

struct PgPoolSettings {
    std::string conninfo;
    std::string setup_sql;  // run on every new connection (search_path, timeouts, PREPAREs)
    PgTimeouts timeouts;
    std::size_t size = 8;
    std::chrono::milliseconds wait{5000};
    std::chrono::milliseconds backoff{50};
    std::chrono::milliseconds backoff_max{2000};
};

/// At most `size` connections, opened on demand. Every method runs on the pool's executor,
/// which runs one handler at a time (a strand, or an io_context run by one thread).
class PgPool {
public:
    PgPool(boost::asio::any_io_executor serial, PgPoolSettings settings);
    ~PgPool();

    /// An idle connection, a new one while fewer than `size` are open, or the first one given
    /// back within `wait`; else `ErrorMemory` ("pool exhausted"). A failed connection attempt
    /// throws `ErrorMemory` too, and delays the next attempt (backoff).
    boost::asio::awaitable<PgLease> acquire();

    const boost::asio::any_io_executor& executor() const noexcept { return serial_; }

private:
    friend class PgLease;
    struct Waiter;
    void give_back(std::unique_ptr<PgConnection> connection);
    boost::asio::awaitable<std::unique_ptr<PgConnection>> open_one();

    boost::asio::any_io_executor serial_;
    PgPoolSettings settings_;
    std::size_t open_ = 0;  // connections lent, idle or being opened
    std::vector<std::unique_ptr<PgConnection>> idle_;
    std::deque<std::shared_ptr<Waiter>> waiters_;
    std::chrono::milliseconds backoff_{0};  // before the next connection attempt
    std::chrono::steady_clock::time_point last_failure_{};
};

}  // namespace agentroute::detail
