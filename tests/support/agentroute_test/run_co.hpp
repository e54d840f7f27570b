#pragma once

#include <agentroute/errors.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stdexcept>

namespace agentroute::test {

/// Runs `task` on a fresh io_context; a hang becomes a test failure after `timeout`, and an
/// exception is rethrown into the test.
template <class T>
T run_co(boost::asio::awaitable<T> task, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    boost::asio::io_context io;
    auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
    io.run_for(timeout);
    if (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        throw std::runtime_error("run_co: the coroutine did not finish within the timeout");
    }
    return future.get();
}

/// Runs `f`, expects it to throw `E`, and returns the caught error for further checks.
template <class E, class F>
E expect_error(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected " << typeid(E).name() << ", got " << typeid(e).name() << ": "
                      << e.what();
        throw;
    }
    ADD_FAILURE() << "expected " << typeid(E).name() << ", nothing was thrown";
    throw std::logic_error("expect_error: nothing thrown");
}

}  // namespace agentroute::test
