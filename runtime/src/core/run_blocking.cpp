#include <agentroute/detail/run_blocking.hpp>

#include <boost/asio/co_spawn.hpp>
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
    // co_spawn completes through the awaiting coroutine's executor, so the caller resumes on
    // its own executor (a bare post would leave it on the other one).
    co_await boost::asio::co_spawn(
        executor,
        [&work]() -> boost::asio::awaitable<void> {
            work();
            co_return;
        },
        boost::asio::use_awaitable);
}

boost::asio::awaitable<void> run_blocking_erased(std::function<void()> work) {
    co_await run_on_erased(blocking_pool().get_executor(), std::move(work));
}

}  // namespace agentroute::detail
