// AgentCore::run: sets a run up, drives the loop (under a deadline when one is set), and turns
// whatever ends it into the run's result or an ErrorAgent that carries the usage spent.

#include <agentroute/detail/agent_core.hpp>

#include "run_state.hpp"
#include "run_tracing.hpp"

#include <agentroute/memory/memory.hpp>

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

Memory* conversation_memory(const RunState& state) {
    if (!state.options.conversation_id) return nullptr;
    Memory* memory = state.core->options().memory.get();
    if (!memory) {
        throw ErrorConfig("RunOptions::conversation_id needs a memory: set AgentOptions::memory");
    }
    return memory;
}

void seed_messages(RunState& state, std::string prompt, std::vector<Message> stored) {
    const AgentOptions& options = state.core->options();
    // Room for the seed, one tool turn (a call and its result, when the agent has tools) and the
    // answer in one allocation: grown a message at a time, the vector would reallocate and move
    // them three times. A message is 256 bytes, and every run in flight holds its vector.
    const std::size_t seed = (options.instructions.empty() ? 0 : 1) + stored.size() +
                             state.options.message_history.size() + 1;
    const bool may_call_tools = !state.core->tools().empty() || !state.core->handoffs().empty();
    state.messages.reserve(seed + (may_call_tools ? 3 : 1));
    if (!options.instructions.empty()) {
        state.messages.push_back(Message::system(options.instructions));
        state.messages.back().cache_control = options.cache_instructions;
    }
    for (auto* source : {&stored, &state.options.message_history}) {
        for (Message& m : *source) {
            if (m.role != Role::system) state.messages.push_back(std::move(m));
        }
    }
    state.options.message_history.clear();
    state.first_new = state.messages.size();
    if (state.options.attachments.empty()) {
        state.messages.push_back(Message::user(std::move(prompt)));
    } else {
        std::vector<ContentPart> parts;
        parts.reserve(state.options.attachments.size() + 1);
        if (!prompt.empty()) parts.push_back(content::text(std::move(prompt)));
        for (ContentPart& p : state.options.attachments) parts.push_back(std::move(p));
        state.options.attachments.clear();
        state.messages.push_back(Message::user(std::move(parts)));
    }
    state.sync_context();
}

template <class Error>
std::exception_ptr with_calls(Error error, const RunState& state) {
    error.set_calls(state.calls);
    return std::make_exception_ptr(std::move(error));
}

// Every way a run can fail leaves as an ErrorAgent carrying the usage spent so far and the
// record of every call.
std::exception_ptr as_agent_error(std::exception_ptr error, const RunState& state,
                                  bool cancelled) {
    try {
        std::rethrow_exception(error);
    } catch (ErrorAgent& e) {
        e.set_usage(state.usage);
        e.set_calls(state.calls);
        return std::current_exception();
    } catch (const boost::system::system_error& e) {
        if (cancelled || e.code() == boost::asio::error::operation_aborted) {
            return with_calls(ErrorCancelled(state.usage), state);
        }
        return with_calls(ErrorAgent(e.what(), state.usage), state);
    } catch (const std::exception& e) {
        try {
            std::throw_with_nested(ErrorTool("output validator", e.what(), state.usage));
        } catch (ErrorAgent& nested) {
            nested.set_calls(state.calls);
            return std::current_exception();
        }
    }
}

// The run's new messages up to the last whole turn: a trailing assistant message whose tool calls
// are not all answered (a failed or cancelled turn) is left out, so no half-turn is ever stored.
std::vector<Message> whole_turns(const RunState& state) {
    const auto& m = state.messages;
    std::size_t end = m.size();
    for (std::size_t i = state.first_new; i < m.size(); ++i) {
        if (!m[i].has_tool_calls()) continue;
        std::size_t answered = 0;
        for (std::size_t j = i + 1; j < m.size() && m[j].role == Role::tool; ++j) ++answered;
        if (answered < m[i].tool_calls.size()) {
            end = i;
            break;
        }
    }
    return {m.begin() + static_cast<std::ptrdiff_t>(state.first_new),
            m.begin() + static_cast<std::ptrdiff_t>(end)};
}

// The run's terminal event, then its outcome, or its error thrown. A plain function: a coroutine
// keeps every local and temporary of its body in its frame, which each run holds while it waits.
RunOutcome finish(RunState& state, std::any output, std::exception_ptr error) {
    if (error) {
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
        end_run_span(state, error);
        state.emit({.kind = kind, .text = what, .usage = state.usage});
        std::rethrow_exception(error);
    }
    end_run_span(state, nullptr);
    state.emit({.kind = RunEvent::Kind::completed, .usage = state.usage});
    return RunOutcome{std::move(output),         state.usage,          std::move(state.messages),
                      state.ctx.run_id(),        std::move(state.calls), state.core->options().name,
                      std::move(state.handoffs)};
}

}  // namespace

struct RunSetup {
    std::string prompt;
    RunOptions options;
    std::shared_ptr<RunObserver> observer;
    RunState* parent = nullptr;
};

// Not a coroutine: its arguments (the options alone are ~900 bytes) would stay in the frame
// that every run in flight holds.
boost::asio::awaitable<RunOutcome> AgentCore::run(std::string prompt, RunOptions options,
                                                  std::shared_ptr<RunObserver> observer, RunState* parent) {
    auto setup = std::make_unique<RunSetup>();
    setup->prompt = std::move(prompt);
    setup->options = std::move(options);
    setup->observer = std::move(observer);
    setup->parent = parent;
    return run_from(std::move(setup));
}

boost::asio::awaitable<RunOutcome> AgentCore::run_from(std::unique_ptr<RunSetup> setup) {
    frozen_.store(true, std::memory_order_release);
    auto executor = co_await boost::asio::this_coro::executor;
    RunState state(shared_from_this(), std::move(setup->options), std::move(executor), std::move(setup->observer),
                   setup->parent);
    std::string prompt = std::move(setup->prompt);
    setup.reset();
    Memory* memory = conversation_memory(state);
    std::vector<Message> stored;
    if (memory) stored = co_await memory->load_conversation(*state.options.conversation_id);
    seed_messages(state, std::move(prompt), std::move(stored));
    resume_holder(state);
    if (state.tracer) start_run_span(state);

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
    auto cancellation = co_await boost::asio::this_coro::cancellation_state;
    const bool cancelled = cancellation.cancelled() != boost::asio::cancellation_type::none;
    if (error) error = as_agent_error(error, state, cancelled);
    if (memory) {
        // Store even after a failure or cancellation (whole turns only), and let the write
        // finish: a cancelled run must not leave the conversation half-written.
        if (cancelled) co_await boost::asio::this_coro::reset_cancellation_state();
        std::exception_ptr store_error;
        try {
            co_await memory->append_conversation(*state.options.conversation_id, whole_turns(state));
        } catch (...) {
            store_error = std::current_exception();
        }
        if (store_error && !error) error = as_agent_error(store_error, state, false);
    }
    co_return finish(state, std::move(output), error);
}

}  // namespace agentroute::detail
