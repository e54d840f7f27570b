#include "deadlines.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>

#include <algorithm>
#include <vector>

namespace agentroute::net::detail {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t ticks_from_now(Clock::duration after) {
    // Never 0, which means "none".
    return std::max<std::int64_t>(1, (Clock::now() + after).time_since_epoch().count());
}

constexpr std::int64_t slot_ticks = std::chrono::duration_cast<Clock::duration>(Deadlines::resolution).count();

std::int64_t slot_of(std::int64_t ticks) { return ticks / slot_ticks; }

}  // namespace

void Watched::arm(Deadlines& deadlines, const std::shared_ptr<Watched>& self, Clock::duration after) {
    fired_.store(false, std::memory_order_release);
    owner_ = &deadlines;
    deadlines.watch(*this, self, ticks_from_now(after));
}

void Watched::disarm() noexcept {
    // Zero means not listed: arm and disarm come from the operation's own thread, and the
    // ticker only ever takes a deadline from non-zero to zero.
    if (deadline_.load(std::memory_order_acquire) != 0 && owner_ != nullptr) owner_->unwatch(*this);
}

void Watched::extend(Clock::duration after) noexcept {
    const std::int64_t next = ticks_from_now(after);
    std::int64_t current = deadline_.load(std::memory_order_acquire);
    // Only an armed deadline moves; one that the ticker just cleared stays cleared.
    while (current != 0 && next > current &&
           !deadline_.compare_exchange_weak(current, next, std::memory_order_acq_rel)) {
    }
}

Deadlines& Deadlines::of(const asio::any_io_executor& executor) {
    auto& deadlines = asio::use_service<Deadlines>(asio::query(executor, asio::execution::context));
    std::lock_guard lock(deadlines.mutex_);
    if (!deadlines.ticker_ && !deadlines.stopped_) deadlines.ticker_.emplace(executor);
    return deadlines;
}

std::size_t Deadlines::armed() const {
    std::lock_guard lock(mutex_);
    return armed_;
}

std::size_t Deadlines::examined() const {
    std::lock_guard lock(mutex_);
    return examined_;
}

void Deadlines::watch(Watched& watched, const std::shared_ptr<Watched>& self, std::int64_t deadline) {
    std::lock_guard lock(mutex_);
    if (stopped_ || !ticker_) return;  // the context is shutting down: no more timeouts
    if (watched.is_linked()) {
        unlist_locked(watched);  // re-armed: it may now be due sooner than its slot
    } else {
        ++armed_;
    }
    watched.self_ = self;
    list_locked(watched, deadline);
    if (!ticking_) schedule_tick();
}

void Deadlines::unwatch(Watched& watched) noexcept {
    std::lock_guard lock(mutex_);
    if (!watched.is_linked()) return;  // the ticker took it first
    unlist_locked(watched);
    watched.deadline_.store(0, std::memory_order_release);
    watched.self_.reset();
    if (--armed_ != 0 || !ticking_) return;
    // Nothing left to watch: stop now.
    ticking_ = false;
    ticker_->cancel();
}

void Deadlines::list_locked(Watched& watched, std::int64_t deadline) {
    watched.deadline_.store(deadline, std::memory_order_release);
    watched.slot_ = slot_of(deadline);
    slots_[watched.slot_].push_back(watched);
}

void Deadlines::unlist_locked(Watched& watched) noexcept {
    const auto it = slots_.find(watched.slot_);
    it->second.erase(it->second.iterator_to(watched));
    if (it->second.empty()) slots_.erase(it);
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
    // Those looked at and not due: released after the lock, since a last owner gone meanwhile
    // would destroy one here, and its destructor takes the lock.
    std::vector<std::shared_ptr<Watched>> held;
    {
        std::lock_guard lock(mutex_);
        if (stopped_ || !ticking_) return;  // stopped after this tick was queued
        const std::int64_t now = Clock::now().time_since_epoch().count();
        Slot not_yet;  // due later in the current slot, or extended past it
        while (!slots_.empty() && slots_.begin()->first <= slot_of(now)) {
            Slot& slot = slots_.begin()->second;
            while (!slot.empty()) {
                Watched& w = slot.front();
                slot.pop_front();
                ++examined_;
                std::shared_ptr<Watched> alive = w.self_.lock();
                if (!alive) {
                    // Being destroyed: its destructor waits for this lock and finds it unlisted.
                    --armed_;
                    continue;
                }
                std::int64_t deadline = w.deadline_.load(std::memory_order_acquire);
                // The exchange fails only when `extend` moved it meanwhile: then it is not due.
                if (deadline <= now && w.deadline_.compare_exchange_strong(deadline, 0, std::memory_order_acq_rel)) {
                    w.fired_.store(true, std::memory_order_release);
                    w.self_.reset();
                    --armed_;
                    due.push_back(std::move(alive));
                } else {
                    not_yet.push_back(w);
                    held.push_back(std::move(alive));
                }
            }
            slots_.erase(slots_.begin());
        }
        while (!not_yet.empty()) {
            Watched& w = not_yet.front();
            not_yet.pop_front();
            list_locked(w, w.deadline_.load(std::memory_order_acquire));
        }
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
    // What is still listed forgets this service: disarming it later must not come back here.
    for (auto& [index, slot] : slots_) {
        while (!slot.empty()) {
            Watched& w = slot.front();
            slot.pop_front();
            w.deadline_.store(0, std::memory_order_release);
            w.self_.reset();
        }
    }
    slots_.clear();
    armed_ = 0;
    ticker_.reset();
}

}  // namespace agentroute::net::detail
