#include "deadlines.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>

#include <algorithm>

namespace agentroute::net::detail {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {
std::int64_t ticks_from_now(Clock::duration after) {
    // Never 0, which means "none".
    return std::max<std::int64_t>(1, (Clock::now() + after).time_since_epoch().count());
}
}  // namespace

void Watched::arm(Deadlines& deadlines, const std::shared_ptr<Watched>& self, Clock::duration after) {
    fired_.store(false, std::memory_order_release);
    deadline_.store(ticks_from_now(after), std::memory_order_release);
    deadlines.watch(self);
}

void Watched::extend(Clock::duration after) noexcept {
    std::int64_t current = deadline_.load(std::memory_order_acquire);
    // Only an armed deadline moves; one that the ticker just cleared stays cleared.
    while (current != 0 && !deadline_.compare_exchange_weak(current, ticks_from_now(after), std::memory_order_acq_rel)) {
    }
}

Deadlines& Deadlines::of(const asio::any_io_executor& executor) {
    auto& deadlines = asio::use_service<Deadlines>(asio::query(executor, asio::execution::context));
    std::lock_guard lock(deadlines.mutex_);
    if (!deadlines.ticker_ && !deadlines.stopped_) deadlines.ticker_.emplace(executor);
    return deadlines;
}

void Deadlines::watch(const std::shared_ptr<Watched>& watched) {
    std::lock_guard lock(mutex_);
    if (stopped_ || !ticker_) return;
    if (!watched->listed_) {
        watched->listed_ = true;
        watched_.push_back(watched);
    }
    if (!ticking_) {
        ticking_ = true;
        ticker_->expires_after(resolution);
        ticker_->async_wait([this](boost::system::error_code ec) {
            if (!ec) tick();
        });
    }
}

void Deadlines::tick() {
    std::vector<std::shared_ptr<Watched>> due;
    {
        std::lock_guard lock(mutex_);
        const std::int64_t now = Clock::now().time_since_epoch().count();
        std::erase_if(watched_, [&](const std::weak_ptr<Watched>& weak) {
            std::shared_ptr<Watched> w = weak.lock();
            if (!w) return true;
            std::int64_t deadline = w->deadline_.load(std::memory_order_acquire);
            if (deadline != 0 && deadline <= now && w->deadline_.compare_exchange_strong(deadline, 0)) {
                w->fired_.store(true, std::memory_order_release);
                due.push_back(std::move(w));
                return false;
            }
            if (deadline == 0) {  // nothing to watch until armed again
                w->listed_ = false;
                return true;
            }
            return false;
        });
        ticking_ = !watched_.empty() && !stopped_;
        if (ticking_) {
            ticker_->expires_after(resolution);
            ticker_->async_wait([this](boost::system::error_code ec) {
                if (!ec) tick();
            });
        }
    }
    for (const auto& w : due) w->expire();  // outside the lock: it may cancel I/O
}

void Deadlines::shutdown() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    ticking_ = false;
    watched_.clear();
    ticker_.reset();
}

}  // namespace agentroute::net::detail
