#include "connection_pool.hpp"

#include <algorithm>
#include <optional>

namespace agentroute::net::detail {

namespace asio = boost::asio;

bool ConnectionPool::take_locked(Host& host, std::unique_ptr<HttpsConnection>& idle_connection,
                                 std::vector<std::unique_ptr<HttpsConnection>>& expired) {
    const auto now = std::chrono::steady_clock::now();
    while (!host.idle.empty()) {
        Idle idle = std::move(host.idle.back());
        host.idle.pop_back();
        if (now - idle.since < idle_timeout_) {
            idle_connection = std::move(idle.connection);
            return true;
        }
        expired.push_back(std::move(idle.connection));
        --host.open;
    }
    if (host.open < max_per_host_) {
        ++host.open;
        return true;  // no connection: the caller opens a new one in this slot
    }
    return false;
}

asio::awaitable<std::unique_ptr<HttpsConnection>> ConnectionPool::acquire(const Key& key) {
    std::unique_ptr<HttpsConnection> idle_connection;
    std::vector<std::unique_ptr<HttpsConnection>> expired;  // closed outside the lock
    co_await wait_until_admitted(mutex_, [&](Waiter*) -> WaitList* {
        Host& host = hosts_[key];
        return take_locked(host, idle_connection, expired) ? nullptr : &host.waiters;
    });
    co_return std::move(idle_connection);
}

std::optional<std::unique_ptr<HttpsConnection>> ConnectionPool::try_acquire(const Key& key) {
    std::unique_ptr<HttpsConnection> idle_connection;
    std::vector<std::unique_ptr<HttpsConnection>> expired;  // closed outside the lock (declared first)
    std::lock_guard lock(mutex_);
    if (!take_locked(hosts_[key], idle_connection, expired)) return std::nullopt;
    return idle_connection;
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

asio::awaitable<ConnectionPool::H2Slot> ConnectionPool::acquire_h2(const Key& key) {
    H2Slot slot;
    std::vector<std::shared_ptr<H2Connection>> closing;  // closed outside the lock
    std::optional<std::uint64_t> round;                  // the opening this caller waits for
    // A waiter woken to take a slot or open the next connection, and cancelled before it
    // could, passes the wake-up on: else the others would wait for an opening no one starts.
    struct PassOn {
        ConnectionPool& pool;
        const Key& key;
        const std::optional<std::uint64_t>& round;
        bool admitted = false;
        ~PassOn() {
            if (admitted || !round) return;
            std::lock_guard lock(pool.mutex_);
            wake_one(pool.hosts_[key].h2_waiters);
        }
    } pass_on{*this, key, round};
    auto decide = [&](Waiter*) -> WaitList* {
        WaitList* wait = decide_h2(key, slot, closing, round);
        pass_on.admitted = wait == nullptr;
        return wait;
    };
    // Usually a connection has room: no wait, and no coroutine for one.
    if (!admitted_now(mutex_, decide)) co_await wait_until_admitted(mutex_, decide);
    co_return slot;
}

bool ConnectionPool::speaks_http1_only(const Endpoint& endpoint) const {
    if (!any_http1_only_.load(std::memory_order_acquire)) return false;
    std::lock_guard lock(mutex_);
    return speaks_http1_only_locked(endpoint);
}

bool ConnectionPool::speaks_http1_only_locked(const Endpoint& endpoint) const {
    return std::find(http1_only_.begin(), http1_only_.end(), endpoint) != http1_only_.end();
}

WaitList* ConnectionPool::decide_h2(const Key& key, H2Slot& slot, std::vector<std::shared_ptr<H2Connection>>& closing,
                                    std::optional<std::uint64_t>& round) {
    Host& host = hosts_[key];
    if (speaks_http1_only_locked(key.endpoint)) {
        slot.http1 = true;
        return nullptr;
    }
    if (round && host.h2_round != *round && host.h2_last_failure) {
        slot.failed = host.h2_last_failure;
        return nullptr;
    }
    // Start where the last slot was found: the connections before it were full then.
    for (std::size_t looked = 0; looked < host.h2.size();) {
        if (host.h2_cursor >= host.h2.size()) host.h2_cursor = 0;
        const std::shared_ptr<H2Connection>& c = host.h2[host.h2_cursor];
        auto [outcome, reserved] = c->try_reserve(idle_timeout_);
        switch (outcome) {
            case H2Connection::Reserve::taken:
                slot.reserved = std::move(reserved);
                // Pass the turn on: the next waiter finds room too, or opens a connection.
                // (Room can grow without an opening: the server's SETTINGS raise the limit.)
                if (!host.h2_opening) wake_one(host.h2_waiters);
                return nullptr;
            case H2Connection::Reserve::full:
                ++host.h2_cursor;
                ++looked;
                break;
            case H2Connection::Reserve::gone:
                closing.push_back(c);
                host.h2.erase(host.h2.begin() + static_cast<std::ptrdiff_t>(host.h2_cursor));
                break;
        }
    }
    if (!host.h2_opening) {
        host.h2_opening = true;
        slot.open_one = true;
        return nullptr;
    }
    round = host.h2_round;
    return &host.h2_waiters;
}

void ConnectionPool::h2_opened(const Key& key, std::shared_ptr<H2Connection> connection) {
    std::lock_guard lock(mutex_);
    Host& host = hosts_[key];
    host.h2_opening = false;
    ++host.h2_round;
    host.h2_last_failure = {};
    // Wake as many as it can take, and one more to open the next connection if they need it:
    // not all ten thousand waiters to find it full again.
    const std::size_t max = connection->max_streams(), open = connection->open_streams();
    std::size_t wake = (max > open ? max - open : 0) + 1;
    host.h2.push_back(std::move(connection));
    while (wake-- > 0 && !host.h2_waiters.empty()) wake_one(host.h2_waiters);
}

ConnectionPool::H2Opening::~H2Opening() {
    if (pool_ == nullptr) return;
    // The opener left (its run was cancelled): not a failure of the host. The next waiter
    // takes the turn.
    std::lock_guard lock(pool_->mutex_);
    Host& host = pool_->hosts_[key_];
    host.h2_opening = false;
    wake_one(host.h2_waiters);
}

void ConnectionPool::h2_failed(const Key& key, boost::system::error_code ec) {
    std::lock_guard lock(mutex_);
    Host& host = hosts_[key];
    host.h2_opening = false;
    ++host.h2_round;
    host.h2_last_failure = ec;
    wake_all(host.h2_waiters);
}

void ConnectionPool::h2_declined(const Key& key, std::unique_ptr<HttpsConnection> connection) {
    std::lock_guard lock(mutex_);
    Host& host = hosts_[key];
    host.h2_opening = false;
    if (!speaks_http1_only_locked(key.endpoint)) http1_only_.push_back(key.endpoint);
    any_http1_only_.store(true, std::memory_order_release);
    ++host.h2_round;
    if (connection && connection->reusable() && host.open < max_per_host_) {
        ++host.open;
        host.idle.push_back(Idle{std::move(connection), std::chrono::steady_clock::now()});
        wake_one(host.waiters);
    }
    wake_all(host.h2_waiters);
}

std::size_t ConnectionPool::h2_connections() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [key, host] : hosts_) n += host.h2.size();
    return n;
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
    std::vector<std::shared_ptr<H2Connection>> closing_h2;
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
        closing_h2.insert(closing_h2.end(), host.h2.begin(), host.h2.end());
        host.h2.clear();
        // Waiters point into their host's entry: it stays until they are gone.
        if (host.waiters.empty() && host.h2_waiters.empty()) {
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
