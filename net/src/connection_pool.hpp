#pragma once

#include "h2_connection.hpp"
#include "https_connection.hpp"
#include "wait_list.hpp"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>
#include <vector>

namespace agentroute::net::detail {

/// Kept-alive connections per (host, port, execution context), bounded per host, with idle
/// eviction. Thread-safe: runs on any thread share it; the lock is never held across a wait.
class ConnectionPool : public std::enable_shared_from_this<ConnectionPool> {
public:
    explicit ConnectionPool(std::size_t max_per_host, std::chrono::milliseconds idle_timeout)
        : max_per_host_(max_per_host), idle_timeout_(idle_timeout) {}

    struct Key {
        Endpoint endpoint;
        const void* context;
        friend bool operator<(const Key& a, const Key& b) {
            return std::tie(a.endpoint.host, a.endpoint.port, a.context) <
                   std::tie(b.endpoint.host, b.endpoint.port, b.context);
        }
    };

    /// A kept-alive connection when one is idle; otherwise a slot to open a new one (null
    /// connection), waiting while the host is at its limit.
    boost::asio::awaitable<std::unique_ptr<HttpsConnection>> acquire(const Key& key);
    /// The same without waiting: nothing when the host is at its limit.
    std::optional<std::unique_ptr<HttpsConnection>> try_acquire(const Key& key);

    /// Gives a connection back: kept for reuse when it is reusable, closed otherwise. Pass null
    /// to give back a slot whose connection failed to open.
    void release(const Key& key, std::unique_ptr<HttpsConnection> connection);

    /// True once `endpoint` answered an HTTP/2 offer with HTTP/1.1, on any execution context:
    /// its exchanges skip the HTTP/2 path. Thread-safe; lock-free until the first such host.
    bool speaks_http1_only(const Endpoint& endpoint) const;

    /// Connections open or being opened, idle ones included (for tests and stats).
    std::size_t open_connections() const;

    /// Where an HTTP/2 exchange goes: a stream slot on an open connection; or the turn to
    /// open a new connection (one at a time per host, the others wait for it); or, when the
    /// host answered ALPN with HTTP/1.1, the HTTP/1.1 pool; or the error that opening failed
    /// with while this caller waited for it.
    struct H2Slot {
        H2Connection::Reservation reserved;
        bool open_one = false;
        bool http1 = false;
        boost::system::error_code failed;
    };
    boost::asio::awaitable<H2Slot> acquire_h2(const Key& key);
    /// Ends an `open_one` turn: with the new connection (its first slot already taken by the
    /// opener), or with the error, or with an HTTP/1.1 connection (the host does not speak h2),
    /// which joins the idle HTTP/1.1 connections.
    void h2_opened(const Key& key, std::shared_ptr<H2Connection> connection);
    void h2_failed(const Key& key, boost::system::error_code ec);
    void h2_declined(const Key& key, std::unique_ptr<HttpsConnection> connection);

    /// Holds an `open_one` turn: when the opener leaves without ending it (an exception, a
    /// cancelled run), hands the turn to the next waiter, so that the runs waiting for the
    /// opening do not wait for ever.
    class H2Opening {
    public:
        H2Opening(ConnectionPool& pool, Key key) : pool_(&pool), key_(std::move(key)) {}
        ~H2Opening();
        H2Opening(const H2Opening&) = delete;
        H2Opening& operator=(const H2Opening&) = delete;
        /// Called with the outcome, instead of the destructor's failure.
        ConnectionPool& end() noexcept {
            ConnectionPool& pool = *pool_;
            pool_ = nullptr;
            return pool;
        }

    private:
        ConnectionPool* pool_;
        Key key_;
    };
    /// HTTP/2 connections open (for tests and stats).
    std::size_t h2_connections() const;

    /// Closes and forgets every idle connection of `context`; called when that execution
    /// context shuts down, so no socket outlives the reactor it was registered with.
    void purge(const void* context);

    /// Makes sure `purge` runs when `context` shuts down (once per pool and context).
    void watch(boost::asio::execution_context& context);

private:
    struct Idle {
        std::unique_ptr<HttpsConnection> connection;
        std::chrono::steady_clock::time_point since;
    };
    struct Host {
        std::deque<Idle> idle;   // most recently used at the back
        std::size_t open = 0;    // idle + in use + being opened
        WaitList waiters;
        // HTTP/2: the connections, whether one is being opened, who waits for it, and how
        // the last opening ended (`h2_round` counts them, so a waiter sees only its own).
        std::vector<std::shared_ptr<H2Connection>> h2;
        std::size_t h2_cursor = 0;  // where the last free slot was
        bool h2_opening = false;
        std::uint64_t h2_round = 0;
        boost::system::error_code h2_last_failure;
        WaitList h2_waiters;
    };

    // An idle connection of `host` into `idle_connection`, or a slot to open one; false at the
    // host's limit. With the lock held; expired idle ones go to `expired`, closed outside it.
    bool take_locked(Host& host, std::unique_ptr<HttpsConnection>& idle_connection,
                     std::vector<std::unique_ptr<HttpsConnection>>& expired);

    WaitList* decide_h2(const Key& key, H2Slot& slot, std::vector<std::shared_ptr<H2Connection>>& closing,
                        std::optional<std::uint64_t>& round);

    bool speaks_http1_only_locked(const Endpoint& endpoint) const;

    const std::size_t max_per_host_;
    const std::chrono::milliseconds idle_timeout_;
    mutable std::mutex mutex_;
    std::map<Key, Host> hosts_;
    std::vector<Endpoint> http1_only_;  // rarely more than one
    std::atomic<bool> any_http1_only_{false};
};

}  // namespace agentroute::net::detail
