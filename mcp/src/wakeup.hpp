#pragma once

// A coroutine's wait that another thread can end. The timer is only ever touched on its own
// executor: `notify` posts there, so a waiter on a strand needs no lock of its own.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <memory>

namespace agentroute::mcp::detail {

class Wakeup : public std::enable_shared_from_this<Wakeup> {
public:
    using Clock = std::chrono::steady_clock;

    explicit Wakeup(const boost::asio::any_io_executor& executor) : timer_(executor) {}

    /// From any thread: the current or next `wait` returns.
    void notify() {
        boost::asio::post(timer_.get_executor(), [self = shared_from_this()] {
            self->pending_ = true;
            self->timer_.cancel();
        });
    }

    /// On the executor: returns after a `notify`, at `deadline`, or when the awaiting
    /// coroutine is cancelled; true for a notify.
    boost::asio::awaitable<bool> wait(Clock::time_point deadline = Clock::time_point::max()) {
        if (!pending_) {
            timer_.expires_at(deadline);
            co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        }
        const bool notified = pending_;
        pending_ = false;
        co_return notified;
    }

private:
    boost::asio::steady_timer timer_;
    bool pending_ = false;
};

}  // namespace agentroute::mcp::detail
