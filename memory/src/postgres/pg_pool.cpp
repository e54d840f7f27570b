#include "pg_pool.hpp"

#include <agentroute/errors.hpp>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace agentroute::detail {

struct PgPool::Waiter {
    explicit Waiter(const boost::asio::any_io_executor& serial) : timer(serial) {}
    boost::asio::steady_timer timer;
    std::unique_ptr<PgConnection> handed{};  // a connection given back to this waiter
    bool may_open = false;                   // or a slot freed: it opens its own
};

PgLease::PgLease(PgPool& pool, std::unique_ptr<PgConnection> connection) noexcept
    : pool_(&pool), connection_(std::move(connection)) {}
PgLease::PgLease(PgLease&& other) noexcept
    : pool_(other.pool_), connection_(std::move(other.connection_)) {}
PgLease::~PgLease() {
    if (connection_) pool_->give_back(std::move(connection_));
}

PgPool::PgPool(boost::asio::any_io_executor serial, PgPoolSettings settings)
    : serial_(std::move(serial)), settings_(std::move(settings)) {}

PgPool::~PgPool() = default;

boost::asio::awaitable<std::unique_ptr<PgConnection>> PgPool::open_one() {
    // open_ already counts this connection; a failure gives the slot back.
    if (backoff_.count() > 0) {
        const auto retry_at = last_failure_ + backoff_;
        if (retry_at > std::chrono::steady_clock::now()) {
            boost::asio::steady_timer pause(serial_, retry_at);
            co_await pause.async_wait(boost::asio::use_awaitable);
        }
    }
    std::unique_ptr<PgConnection> connection;
    std::exception_ptr failure;
    try {
        connection = co_await PgConnection::open(serial_, settings_.conninfo, settings_.timeouts, settings_.setup_sql);
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        last_failure_ = std::chrono::steady_clock::now();
        backoff_ = backoff_.count() == 0 ? settings_.backoff : std::min(2 * backoff_, settings_.backoff_max);
        give_back(nullptr);
        std::rethrow_exception(failure);
    }
    backoff_ = std::chrono::milliseconds{0};
    co_return connection;
}

boost::asio::awaitable<PgLease> PgPool::acquire() {
    while (!idle_.empty()) {
        std::unique_ptr<PgConnection> connection = std::move(idle_.back());
        idle_.pop_back();
        if (connection->alive()) co_return PgLease(*this, std::move(connection));
        --open_;  // closed meanwhile (a restarted server): open a fresh one instead
    }
    if (open_ < settings_.size) {
        ++open_;
        auto connection = co_await open_one();
        co_return PgLease(*this, std::move(connection));
    }
    auto waiter = std::make_shared<Waiter>(serial_);
    waiter->timer.expires_after(settings_.wait);
    waiters_.push_back(waiter);
    boost::system::error_code ec;  // cancelled when served; expired when not
    co_await waiter->timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    if (waiter->handed) co_return PgLease(*this, std::move(waiter->handed));
    if (waiter->may_open) {
        auto connection = co_await open_one();
        co_return PgLease(*this, std::move(connection));
    }
    std::erase(waiters_, waiter);
    throw ErrorMemory("postgres: pool exhausted: all " + std::to_string(settings_.size) +
                          " connections stayed busy for " + std::to_string(settings_.wait.count()) +
                          " ms (raise MemoryPostgresOptions::pool_size or pool_wait)",
                      0, "53300");
}

void PgPool::give_back(std::unique_ptr<PgConnection> connection) {
    if (connection && connection->broken()) connection.reset();
    if (!waiters_.empty()) {
        std::shared_ptr<Waiter> next = std::move(waiters_.front());
        waiters_.pop_front();
        if (connection) {
            next->handed = std::move(connection);
        } else {
            next->may_open = true;  // the freed slot passes to it: open_ unchanged
        }
        next->timer.cancel();
        return;
    }
    if (connection) {
        idle_.push_back(std::move(connection));
    } else {
        --open_;
    }
}

}  // namespace agentroute::detail
