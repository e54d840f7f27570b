#pragma once

// Timeouts for thousands of connections without a timer per wait. Each watched object carries
// a deadline (an atomic time point); one ticker per execution context looks at them every
// `resolution` and expires those past due. Setting or moving a deadline is a store and, the
// first time, a short lock: no timer to schedule and cancel per request phase (each of which
// is a timerfd syscall and often an extra epoll wake-up), none per streamed chunk that resets
// an idle timeout. The price is precision: a timeout fires up to `resolution` late.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace agentroute::net::detail {

class Deadlines;

/// Something with a deadline. `expire` runs on the ticker's thread, once per deadline.
class Watched {
public:
    /// A watched object destroyed with its deadline armed (its operation was abandoned)
    /// must not keep the ticker going.
    virtual ~Watched() { disarm(); }

    /// Arms a deadline `after` from now (replacing any), watched by `deadlines`.
    void arm(Deadlines& deadlines, const std::shared_ptr<Watched>& self, std::chrono::steady_clock::duration after);
    /// Moves an armed deadline to `after` from now; does nothing when none is armed.
    void extend(std::chrono::steady_clock::duration after) noexcept;
    void disarm() noexcept;
    /// True when the last armed deadline passed (until the next `arm`).
    bool fired() const noexcept { return fired_.load(std::memory_order_acquire); }

protected:
    virtual void expire() noexcept = 0;

private:
    friend class Deadlines;
    std::atomic<std::int64_t> deadline_{0};  // steady_clock ticks; 0: none
    std::atomic<bool> fired_{false};
    Deadlines* owner_ = nullptr;  // set by `arm`
    bool listed_ = false;         // guarded by the Deadlines' mutex
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

private:
    friend class Watched;
    void watch(const std::shared_ptr<Watched>& watched, std::int64_t deadline);
    void disarmed();
    void schedule_tick();
    void tick();
    void shutdown() override;

    std::mutex mutex_;
    std::vector<std::weak_ptr<Watched>> watched_;
    // Armed deadlines. At zero the ticker stops at once, so that an io_context whose work is
    // done returns from run() without waiting for one more tick.
    std::size_t armed_ = 0;
    std::optional<boost::asio::steady_timer> ticker_;
    bool ticking_ = false;
    bool stopped_ = false;
};

}  // namespace agentroute::net::detail
