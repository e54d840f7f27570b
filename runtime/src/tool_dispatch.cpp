#include "run_state.hpp"
#include "run_tracing.hpp"

#include <agentroute/detail/describe_json.hpp>
#include <agentroute/detail/exact_json.hpp>
#include <agentroute/detail/serial_executor.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace agentroute::detail {
namespace {

struct ToolOutcome {
    std::string content;
    bool correction = false;
};

// The answer's first transfer call wins; the others are told so. Found before any tool runs.
struct HandoffCall {
    std::size_t index = 0;
    const HandoffTarget* via = nullptr;
};

std::optional<HandoffCall> first_handoff(const AgentCore& core, const std::vector<ToolCall>& calls) {
    for (std::size_t i = 0; i < calls.size(); ++i) {
        if (const HandoffTarget* via = core.find_handoff(calls[i].name)) return HandoffCall{i, via};
    }
    return std::nullopt;
}

bool runs_an_agent(const AgentCore& core, const std::vector<ToolCall>& calls) {
    for (const ToolEntry& tool : core.tools()) {
        if (!tool.runs_agent) continue;
        for (const ToolCall& call : calls) {
            if (call.name == tool.definition.name) return true;
        }
    }
    return false;
}

// The agent's own tools first, then its sources' as this turn offered them.
const ToolInvoker* find_tool(const RunState& state, const std::string& name) {
    for (const ToolEntry& tool : state.core->tools()) {
        if (tool.definition.name == name) return &tool.invoke;
    }
    for (const auto& tools : state.source_tools) {
        for (const JsonTool& tool : *tools) {
            if (tool.definition.name == name) return &tool.invoke;
        }
    }
    return nullptr;
}

std::string tool_names(const RunState& state) {
    std::string names;
    for (const ToolDefinition& tool : state.tool_definitions()) {
        names += names.empty() ? "" : ", ";
        names += tool.name;
    }
    for (const HandoffTarget& edge : state.core->handoffs()) {
        names += names.empty() ? "" : ", ";
        names += edge.tool_name;
    }
    return names.empty() ? "(none)" : names;
}

// One call. Mistakes the model can fix (unknown tool, bad JSON, arguments that do not fit,
// Retry) come back as a correction; anything else fails the run.
boost::asio::awaitable<ToolOutcome> invoke_one(RunState& state, const ToolCall& call, RunContext& ctx) {
    if (state.core->find_handoff(call.name)) co_return ToolOutcome{};  // answered by run_tool_calls
    const ToolInvoker* invoke = find_tool(state, call.name);
    if (!invoke) {
        co_return ToolOutcome{"Unknown tool '" + call.name + "'. Available tools: " +
                                  tool_names(state) + ".",
                              true};
    }
    boost::json::value args;
    if (!call.arguments.empty()) {
        boost::system::error_code ec;
        args = detail::parse_json_exactly(call.arguments, ec);
        if (ec) {
            co_return ToolOutcome{"The arguments for tool '" + call.name +
                                      "' are not valid JSON (" + ec.message() +
                                      "). Call it again with a JSON object that follows its schema.",
                                  true};
        }
    } else {
        args = boost::json::object{};  // OpenRouter sends "" for a tool without parameters
    }
    std::string correction;
    try {
        std::string content = co_await (*invoke)(ctx, args);
        co_return ToolOutcome{std::move(content), false};
    } catch (const SchemaMismatch& e) {
        correction = "Invalid arguments for tool '" + call.name + "': " + e.what() +
                     ". Call it again with arguments that follow its schema.";
    } catch (const Retry& r) {
        correction = r.message();
    } catch (const ErrorAgent&) {
        throw;
    } catch (const boost::system::system_error& e) {
        if (e.code() == boost::asio::error::operation_aborted) throw;
        std::throw_with_nested(ErrorTool(call.name, e.what()));
    } catch (const std::exception& e) {
        std::throw_with_nested(ErrorTool(call.name, e.what()));
    }
    co_return ToolOutcome{std::move(correction), true};
}

// A traced call runs in a span of its own, which its context carries (`RunContext::trace`) to
// the tool and to a child run.
boost::asio::awaitable<ToolOutcome> invoke_traced(RunState& state, const ToolCall& call) {
    const std::unique_ptr<TraceSpan> span = start_tool_span(state, call);
    RunContext ctx = state.traced_context(span->context());
    ToolOutcome outcome;
    std::exception_ptr error;
    try {
        outcome = co_await invoke_one(state, call, ctx);
    } catch (...) {
        error = std::current_exception();
    }
    end_tool_span(*span, outcome.content, outcome.correction, error);
    if (error) std::rethrow_exception(error);
    co_return outcome;
}

// Not a coroutine: an untraced call costs no frame more than before tracing existed.
boost::asio::awaitable<ToolOutcome> run_one(RunState& state, const ToolCall& call) {
    if (state.tracer) return invoke_traced(state, call);
    return invoke_one(state, call, state.ctx);
}

}  // namespace

boost::asio::awaitable<void> run_tool_calls(RunState& state, const std::vector<ToolCall>& calls) {
    const std::optional<HandoffCall> handoff = first_handoff(*state.core, calls);
    // Resolved before any tool runs: a target that is gone fails the turn before it spends.
    std::shared_ptr<AgentCore> target = handoff ? handoff->via->target(*state.core) : nullptr;
    std::vector<ToolOutcome> outcomes;
    outcomes.reserve(calls.size());
    if (calls.size() == 1) {
        ToolOutcome outcome = co_await run_one(state, calls.front());
        outcomes.push_back(std::move(outcome));
    } else {
        // Children return values and only this coroutine merges them, so no lock is needed.
        // Agents used as tools share this run's state (its usage, calls and observers): on a
        // multi-threaded executor their calls run one at a time, on a strand.
        boost::asio::any_io_executor executor = co_await boost::asio::this_coro::executor;
        if (runs_an_agent(*state.core, calls)) executor = one_at_a_time(std::move(executor));
        using Op = decltype(boost::asio::co_spawn(executor, run_one(state, calls.front()),
                                                  boost::asio::deferred));
        std::vector<Op> ops;
        ops.reserve(calls.size());
        for (const ToolCall& call : calls) {
            ops.push_back(boost::asio::co_spawn(executor, run_one(state, call), boost::asio::deferred));
        }
        // The first error cancels the calls still going: the run ends with it, and a child
        // agent must not go on spending.
        auto [order, errors, results] =
            co_await boost::asio::experimental::make_parallel_group(std::move(ops))
                .async_wait(boost::asio::experimental::wait_for_one_error(), boost::asio::use_awaitable);
        for (std::size_t i : order) {
            if (errors[i]) std::rethrow_exception(errors[i]);
        }
        for (ToolOutcome& outcome : results) outcomes.push_back(std::move(outcome));
    }

    for (std::size_t i = 0; handoff && i < calls.size(); ++i) {
        if (i == handoff->index) {
            // The form the OpenAI Agents SDK uses; a later run reads it to find who holds a
            // continued conversation (resume_holder).
            outcomes[i].content = boost::json::serialize(boost::json::object{{"assistant", target->display_name()}});
        } else if (state.core->find_handoff(calls[i].name)) {
            outcomes[i].content = "Only one handoff is taken per answer: the conversation goes to " +
                                  target->display_name() + ".";
        }
    }
    std::string last_correction;
    for (std::size_t i = 0; i < calls.size(); ++i) {
        if (outcomes[i].correction) last_correction = outcomes[i].content;
        state.messages.push_back(
            Message::tool_result(calls[i].id, calls[i].name, std::move(outcomes[i].content)));
        state.emit({.kind = RunEvent::Kind::tool_result, .message = &state.messages.back()});
    }
    state.sync_context();
    if (!last_correction.empty()) state.count_retry(last_correction);
    if (target) take_over(state, std::move(target), *handoff->via);
}

}  // namespace agentroute::detail
