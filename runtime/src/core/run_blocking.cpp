#include <agentroute/detail/run_blocking.hpp>

#include <agentroute/detail/resume_on_caller.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <thread>

namespace agentroute::detail {
namespace {

boost::asio::thread_pool& blocking_pool() {
    // Blocking work waits rather than computes, so the pool is wider than the machine.
    static boost::asio::thread_pool pool(std::max(4u, 2 * std::thread::hardware_concurrency()));
    return pool;
}

}  // namespace

boost::asio::awaitable<void> run_on_erased(boost::asio::any_io_executor executor,
                                           std::function<void()> work) {
    // The caller resumes on its own executor (a bare post would leave it on the other one).
    auto initiate = [&](auto handler) {
        boost::asio::post(executor, [&work, resume = ResumeOnCaller(std::move(handler))]() mutable {
            std::exception_ptr failure;
            try {
                work();
            } catch (...) {
                failure = std::current_exception();
            }
            resume(std::move(failure));
        });
    };
    co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(std::exception_ptr)>(
        initiate, boost::asio::use_awaitable);
}

boost::asio::awaitable<void> run_blocking_erased(std::function<void()> work) {
    co_await run_on_erased(blocking_pool().get_executor(), std::move(work));
}

}  // namespace agentroute::detail
