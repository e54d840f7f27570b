#include "connection_pool.hpp"

#include <algorithm>

namespace agentroute::net::detail {

namespace asio = boost::asio;

asio::awaitable<std::unique_ptr<HttpsConnection>> ConnectionPool::acquire(const Key& key) {
    std::unique_ptr<HttpsConnection> idle_connection;
    std::vector<std::unique_ptr<HttpsConnection>> expired;  // closed outside the lock
    co_await wait_until_admitted(mutex_, [&](Waiter&) -> WaitList* {
        Host& host = hosts_[key];
        const auto now = std::chrono::steady_clock::now();
        while (!host.idle.empty()) {
            Idle idle = std::move(host.idle.back());
            host.idle.pop_back();
            if (now - idle.since < idle_timeout_) {
                idle_connection = std::move(idle.connection);
                return nullptr;
            }
            expired.push_back(std::move(idle.connection));
            --host.open;
        }
        if (host.open < max_per_host_) {
            ++host.open;
            return nullptr;  // no connection: the caller opens a new one in this slot
        }
        return &host.waiters;
    });
    co_return std::move(idle_connection);
}

void ConnectionPool::release(const Key& key, std::unique_ptr<HttpsConnection> connection) {
    std::unique_ptr<HttpsConnection> closing;
    std::lock_guard lock(mutex_);
    Host& host = hosts_[key];
    if (connection && connection->reusable()) {
        host.idle.push_back(Idle{std::move(connection), std::chrono::steady_clock::now()});
    } else {
        closing = std::move(connection);
        if (host.open > 0) --host.open;  // 0: its context was purged meanwhile
    }
    wake_one(host.waiters);
}

namespace {

// An execution_context service whose only job is to purge pools when its context shuts down.
class PoolRegistry : public asio::execution_context::service {
public:
    using key_type = PoolRegistry;
    static inline asio::execution_context::id id;

    explicit PoolRegistry(asio::execution_context& context) : service(context) {}

    void track(const std::shared_ptr<ConnectionPool>& pool) {
        std::lock_guard lock(mutex_);
        for (const auto& p : pools_) {
            if (!p.owner_before(pool) && !pool.owner_before(p)) return;
        }
        pools_.push_back(pool);
    }

private:
    void shutdown() override {
        std::vector<std::weak_ptr<ConnectionPool>> pools;
        {
            std::lock_guard lock(mutex_);
            pools.swap(pools_);
        }
        for (auto& weak : pools) {
            if (auto pool = weak.lock()) pool->purge(&context());
        }
    }

    std::mutex mutex_;
    std::vector<std::weak_ptr<ConnectionPool>> pools_;
};

}  // namespace

void ConnectionPool::watch(asio::execution_context& context) {
    asio::use_service<PoolRegistry>(context).track(shared_from_this());
}

void ConnectionPool::purge(const void* context) {
    std::vector<std::unique_ptr<HttpsConnection>> closing;
    std::lock_guard lock(mutex_);
    for (auto it = hosts_.begin(); it != hosts_.end();) {
        if (it->first.context != context) {
            ++it;
            continue;
        }
        Host& host = it->second;
        for (auto& idle : host.idle) closing.push_back(std::move(idle.connection));
        host.open -= std::min(host.open, host.idle.size());
        host.idle.clear();
        // Waiters point into their host's entry: it stays until they are gone.
        if (host.waiters.empty()) {
            it = hosts_.erase(it);
        } else {
            ++it;
        }
    }
}

std::size_t ConnectionPool::open_connections() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [key, host] : hosts_) n += host.open;
    return n;
}

}  // namespace agentroute::net::detail
