#include "connection_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace agentroute::net::detail {

namespace asio = boost::asio;

asio::awaitable<std::unique_ptr<HttpsConnection>> ConnectionPool::acquire(const Key& key) {
    auto executor = co_await asio::this_coro::executor;
    for (;;) {
        std::shared_ptr<asio::steady_timer> waiter;
        std::vector<std::unique_ptr<HttpsConnection>> expired;  // closed outside the lock
        {
            std::lock_guard lock(mutex_);
            Host& host = hosts_[key];
            const auto now = std::chrono::steady_clock::now();
            while (!host.idle.empty()) {
                Idle idle = std::move(host.idle.back());
                host.idle.pop_back();
                if (now - idle.since < idle_timeout_) co_return std::move(idle.connection);
                expired.push_back(std::move(idle.connection));
                --host.open;
            }
            if (host.open < max_per_host_) {
                ++host.open;
                co_return nullptr;  // the caller opens a new connection in this slot
            }
            waiter = std::make_shared<asio::steady_timer>(executor,
                                                          std::chrono::steady_clock::time_point::max());
            host.waiters.push_back(waiter);
        }
        expired.clear();
        // Leave the wait list however the wait ends (a cancelled run too), or a later release
        // would spend its wake-up on a waiter that is gone.
        struct Unlist {
            ConnectionPool& pool;
            const Key& key;
            const std::shared_ptr<asio::steady_timer>& waiter;
            ~Unlist() {
                std::lock_guard lock(pool.mutex_);
                std::erase(pool.hosts_[key].waiters, waiter);
            }
        } unlist{*this, key, waiter};
        co_await waiter->async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

void ConnectionPool::release(const Key& key, std::unique_ptr<HttpsConnection> connection) {
    std::unique_ptr<HttpsConnection> closing;
    std::lock_guard lock(mutex_);
    Host& host = hosts_[key];
    if (connection && connection->reusable()) {
        host.idle.push_back(Idle{std::move(connection), std::chrono::steady_clock::now()});
    } else {
        closing = std::move(connection);
        --host.open;
    }
    wake_one(host);
}

void ConnectionPool::wake_one(Host& host) {
    if (host.waiters.empty()) return;
    auto waiter = std::move(host.waiters.front());
    host.waiters.pop_front();
    // The timer belongs to the waiter's executor: cancel it there.
    asio::post(waiter->get_executor(), [waiter] { waiter->cancel(); });
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
        for (auto& idle : it->second.idle) closing.push_back(std::move(idle.connection));
        it = hosts_.erase(it);
    }
}

std::size_t ConnectionPool::open_connections() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [key, host] : hosts_) n += host.open;
    return n;
}

}  // namespace agentroute::net::detail
