#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

namespace agentroute::detail {

/// Runs `work` on `executor` and resumes the caller on its own executor. The one place where
/// work crosses threads; exceptions from `work` propagate.
boost::asio::awaitable<void> run_on_erased(boost::asio::any_io_executor executor,
                                           std::function<void()> work);

/// Runs `work` on the runtime's blocking pool (see `run_on_erased`).
boost::asio::awaitable<void> run_blocking_erased(std::function<void()> work);

/// Runs `work` on `executor` and returns its result on the caller's executor.
template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> run_on(boost::asio::any_io_executor executor,
                                                        F work) {
    using R = std::invoke_result_t<F&>;
    // The std::function is a named local: GCC 12 mis-destroys temporaries in co_await operands.
    if constexpr (std::is_void_v<R>) {
        std::function<void()> erased = std::ref(work);
        co_await run_on_erased(std::move(executor), std::move(erased));
    } else {
        std::optional<R> out;
        std::function<void()> erased = [&] { out.emplace(work()); };
        co_await run_on_erased(std::move(executor), std::move(erased));
        co_return std::move(*out);
    }
}

template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> run_blocking(F work) {
    using R = std::invoke_result_t<F&>;
    // The std::function is a named local: GCC 12 mis-destroys temporaries in co_await operands.
    if constexpr (std::is_void_v<R>) {
        std::function<void()> erased = std::ref(work);
        co_await run_blocking_erased(std::move(erased));
    } else {
        std::optional<R> out;
        std::function<void()> erased = [&] { out.emplace(work()); };
        co_await run_blocking_erased(std::move(erased));
        co_return std::move(*out);
    }
}

}  // namespace agentroute::detail
