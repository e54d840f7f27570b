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
    owner_ = &deadlines;
    deadlines.watch(self, ticks_from_now(after));
}

void Watched::disarm() noexcept {
    if (deadline_.exchange(0, std::memory_order_acq_rel) != 0 && owner_ != nullptr) owner_->disarmed();
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

void Deadlines::watch(const std::shared_ptr<Watched>& watched, std::int64_t deadline) {
    std::lock_guard lock(mutex_);
    if (stopped_ || !ticker_) return;  // the context is shutting down: no more timeouts
    // Under the lock, so that no tick can expire it between the store and the count.
    if (watched->deadline_.exchange(deadline, std::memory_order_acq_rel) == 0) ++armed_;
    if (!watched->listed_) {
        watched->listed_ = true;
        watched_.push_back(watched);
    }
    if (!ticking_) schedule_tick();
}

void Deadlines::disarmed() {
    std::lock_guard lock(mutex_);
    if (armed_ == 0 || --armed_ != 0 || !ticking_) return;
    // Nothing left to watch: stop now, and forget the entries (all disarmed).
    ticking_ = false;
    ticker_->cancel();
    for (const auto& weak : watched_) {
        if (auto w = weak.lock()) w->listed_ = false;
    }
    watched_.clear();
}

void Deadlines::schedule_tick() {  // under mutex_
    ticking_ = true;
    ticker_->expires_after(resolution);
    ticker_->async_wait([this](boost::system::error_code ec) {
        if (!ec) tick();
    });
}

void Deadlines::tick() {
    std::vector<std::shared_ptr<Watched>> due;
    {
        std::lock_guard lock(mutex_);
        if (stopped_ || !ticking_) return;  // stopped after this tick was queued
        const std::int64_t now = Clock::now().time_since_epoch().count();
        std::erase_if(watched_, [&](const std::weak_ptr<Watched>& weak) {
            std::shared_ptr<Watched> w = weak.lock();
            if (!w) return true;
            std::int64_t deadline = w->deadline_.load(std::memory_order_acquire);
            if (deadline != 0 && deadline <= now && w->deadline_.compare_exchange_strong(deadline, 0)) {
                w->fired_.store(true, std::memory_order_release);
                if (armed_ > 0) --armed_;
                due.push_back(std::move(w));
                return false;
            }
            if (deadline == 0) {  // nothing to watch until armed again
                w->listed_ = false;
                return true;
            }
            return false;
        });
        if (armed_ > 0) {
            schedule_tick();
        } else {
            ticking_ = false;
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
