#pragma once

#include "https_connection.hpp"
#include "wait_list.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

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

    /// Gives a connection back: kept for reuse when it is reusable, closed otherwise. Pass null
    /// to give back a slot whose connection failed to open.
    void release(const Key& key, std::unique_ptr<HttpsConnection> connection);

    /// Connections open or being opened, idle ones included (for tests and stats).
    std::size_t open_connections() const;

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
    };

    const std::size_t max_per_host_;
    const std::chrono::milliseconds idle_timeout_;
    mutable std::mutex mutex_;
    std::map<Key, Host> hosts_;
};

}  // namespace agentroute::net::detail
