// AgentCore::run: sets a run up, drives the loop (under a deadline when one is set), and turns
// whatever ends it into the run's result or an ErrorAgent that carries the usage spent.

#include <agentroute/detail/agent_core.hpp>

#include "run_state.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace agentroute::detail {
namespace {

boost::asio::awaitable<std::any> run_with_deadline(RunState& state) {
    auto executor = co_await boost::asio::this_coro::executor;
    boost::asio::steady_timer timer(executor, *state.deadline);
    auto [order, error, output, timer_ec] =
        co_await boost::asio::experimental::make_parallel_group(
            boost::asio::co_spawn(executor, run_loop(state), boost::asio::deferred),
            timer.async_wait(boost::asio::deferred))
            .async_wait(boost::asio::experimental::wait_for_one(), boost::asio::use_awaitable);
    if (order[0] == 1 && !timer_ec) throw ErrorDeadline(state.usage);
    if (error) std::rethrow_exception(error);
    co_return std::move(output);
}

void seed_messages(RunState& state, std::string prompt) {
    const AgentOptions& options = state.core->options();
    if (!options.instructions.empty()) state.messages.push_back(Message::system(options.instructions));
    for (Message& m : state.options.message_history) {
        if (m.role != Role::system) state.messages.push_back(std::move(m));
    }
    state.options.message_history.clear();
    state.first_new = state.messages.size();
    state.messages.push_back(Message::user(std::move(prompt)));
    state.sync_context();
}

// Every way a run can fail leaves as an ErrorAgent carrying the usage spent so far.
std::exception_ptr as_agent_error(std::exception_ptr error, const RunState& state,
                                  bool cancelled) {
    try {
        std::rethrow_exception(error);
    } catch (ErrorAgent& e) {
        e.set_usage(state.usage);
        return std::current_exception();
    } catch (const boost::system::system_error& e) {
        if (cancelled || e.code() == boost::asio::error::operation_aborted) {
            return std::make_exception_ptr(ErrorCancelled(state.usage));
        }
        return std::make_exception_ptr(ErrorAgent(e.what(), state.usage));
    } catch (const std::exception& e) {
        try {
            std::throw_with_nested(ErrorTool("output validator", e.what(), state.usage));
        } catch (...) {
            return std::current_exception();
        }
    }
}

}  // namespace

boost::asio::awaitable<RunOutcome> AgentCore::run(std::string prompt, RunOptions options) {
    frozen_.store(true, std::memory_order_release);
    auto executor = co_await boost::asio::this_coro::executor;
    RunState state(shared_from_this(), std::move(options), std::move(executor));
    seed_messages(state, std::move(prompt));

    std::exception_ptr error;
    std::any output;
    try {
        // Plain if/else: GCC 12 mis-compiles co_await inside a conditional expression.
        if (state.deadline) {
            output = co_await run_with_deadline(state);
        } else {
            output = co_await run_loop(state);
        }
    } catch (...) {
        error = std::current_exception();
    }
    if (error) {
        auto cancellation = co_await boost::asio::this_coro::cancellation_state;
        error = as_agent_error(error, state,
                               cancellation.cancelled() != boost::asio::cancellation_type::none);
        std::string what;
        RunEvent::Kind kind = RunEvent::Kind::failed;
        try {
            std::rethrow_exception(error);
        } catch (const ErrorCancelled& e) {
            kind = RunEvent::Kind::cancelled;
            what = e.what();
        } catch (const ErrorDeadline& e) {
            kind = RunEvent::Kind::cancelled;
            what = e.what();
        } catch (const std::exception& e) {
            what = e.what();
        }
        state.emit({.kind = kind, .text = what, .usage = state.usage});
        std::rethrow_exception(error);
    }
    state.emit({.kind = RunEvent::Kind::completed, .usage = state.usage});
    co_return RunOutcome{std::move(output), state.usage, std::move(state.messages),
                         state.ctx.run_id()};
}

}  // namespace agentroute::detail
