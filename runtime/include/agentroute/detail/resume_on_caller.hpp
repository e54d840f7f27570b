#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>

#include <type_traits>
#include <utility>

namespace agentroute::detail {

/// Completes, on the awaiting coroutine's own executor, an operation that finished on another
/// thread. It keeps the only copy of that executor this thread holds, with its work tracked, and
/// drops that copy last: first its strand's state, then the work that keeps the caller's run()
/// going. So a caller's io_context cannot return from run() and be destroyed while this thread
/// still holds its strand (Asio's executor_work_guard, and so co_spawn, drop their untracked
/// copy after the work: ThreadSanitizer sees the strand's mutex used after its service is gone).
template <class Handler>
class ResumeOnCaller {
public:
    explicit ResumeOnCaller(Handler handler)
        : handler_(std::move(handler)),
          executor_(boost::asio::prefer(boost::asio::get_associated_executor(handler_),
                                        boost::asio::execution::outstanding_work.tracked)) {}

    ResumeOnCaller(ResumeOnCaller&&) noexcept = default;
    ResumeOnCaller& operator=(ResumeOnCaller&&) = delete;

    /// Call once, from any thread.
    template <class... Args>
    void operator()(Args&&... args) {
        auto executor = std::move(executor_);
        boost::asio::post(executor, [handler = std::move(handler_), ... args = std::forward<Args>(args)]() mutable {
            std::move(handler)(std::move(args)...);
        });
    }  // `executor` goes here, after everything post() copied from it

private:
    using TrackedExecutor = std::decay_t<decltype(boost::asio::prefer(
        std::declval<boost::asio::associated_executor_t<Handler>>(),
        boost::asio::execution::outstanding_work.tracked))>;

    Handler handler_;
    TrackedExecutor executor_;
};

}  // namespace agentroute::detail
