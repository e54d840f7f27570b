#pragma once

// Timeouts for thousands of connections without a timer per wait. Each watched object carries
// a deadline (an atomic time point) and is listed, under one lock per execution context, in the
// slot of `resolution` its deadline falls in; one ticker per context wakes every `resolution`
// and looks only at the slots that came due. Arming is a short lock, extending a deadline is a
// store: no timer to schedule and cancel per request phase (each of which is a timerfd syscall
// and often an extra epoll wake-up), none per streamed chunk that resets an idle timeout, and a
// tick costs what is due, not what is armed (ten thousand calls waiting a minute for a model
// cost nothing until then). The price is precision: a timeout fires up to `resolution` late.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace agentroute::net::detail {

class Deadlines;
struct DeadlineSlotTag;
using DeadlineSlotHook = boost::intrusive::list_base_hook<boost::intrusive::tag<DeadlineSlotTag>>;

/// Something with a deadline. `expire` runs on the ticker's thread, once per deadline.
class Watched : public DeadlineSlotHook {
public:
    /// A watched object destroyed with its deadline armed (its operation was abandoned)
    /// leaves its slot, and does not keep the ticker going.
    virtual ~Watched() { disarm(); }

    /// Arms a deadline `after` from now (replacing any), watched by `deadlines`.
    void arm(Deadlines& deadlines, const std::shared_ptr<Watched>& self, std::chrono::steady_clock::duration after);
    /// Moves an armed deadline to `after` from now when that is later; does nothing when none is
    /// armed. (Only later: the ticker finds a deadline in the slot it was armed in or after.)
    void extend(std::chrono::steady_clock::duration after) noexcept;
    void disarm() noexcept;
    /// True when the last armed deadline passed (until the next `arm`).
    bool fired() const noexcept { return fired_.load(std::memory_order_acquire); }

protected:
    virtual void expire() noexcept = 0;

private:
    friend class Deadlines;
    // steady_clock ticks; 0: none. Non-zero exactly while listed in a slot (both change together
    // under the Deadlines' lock; `extend` only moves a non-zero value later).
    std::atomic<std::int64_t> deadline_{0};
    std::atomic<bool> fired_{false};
    Deadlines* owner_ = nullptr;   // set by `arm`
    std::weak_ptr<Watched> self_;  // guarded by the Deadlines' mutex: kept alive while it expires
    std::int64_t slot_ = 0;        // guarded by the Deadlines' mutex: where it is listed
};

/// The ticker of one execution context (an execution_context service).
class Deadlines : public boost::asio::execution_context::service {
public:
    using key_type = Deadlines;
    static inline boost::asio::execution_context::id id;
    static constexpr std::chrono::milliseconds resolution{50};

    explicit Deadlines(boost::asio::execution_context& context) : service(context) {}

    /// The service of `executor`'s context.
    static Deadlines& of(const boost::asio::any_io_executor& executor);

    /// Deadlines armed, and how many deadlines the ticks have looked at so far (for tests).
    std::size_t armed() const;
    std::size_t examined() const;

private:
    friend class Watched;
    using Slot = boost::intrusive::list<Watched, boost::intrusive::base_hook<DeadlineSlotHook>,
                                        boost::intrusive::constant_time_size<false>>;

    void watch(Watched& watched, const std::shared_ptr<Watched>& self, std::int64_t deadline);
    void unwatch(Watched& watched) noexcept;
    void list_locked(Watched& watched, std::int64_t deadline);
    void unlist_locked(Watched& watched) noexcept;
    void schedule_tick();
    void tick();
    void shutdown() override;

    mutable std::mutex mutex_;
    // Armed deadlines by slot: slot n holds those due in [n, n + 1) x resolution.
    std::map<std::int64_t, Slot> slots_;
    // Armed deadlines. At zero the ticker stops at once, so that an io_context whose work is
    // done returns from run() without waiting for one more tick.
    std::size_t armed_ = 0;
    std::size_t examined_ = 0;
    std::optional<boost::asio::steady_timer> ticker_;
    bool ticking_ = false;
    bool stopped_ = false;
};

}  // namespace agentroute::net::detail
