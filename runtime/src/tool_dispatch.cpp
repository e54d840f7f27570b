#include "run_state.hpp"

#include <agentroute/detail/describe_json.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

namespace agentroute::detail {
namespace {

struct ToolOutcome {
    std::string content;
    bool correction = false;
};

const ToolEntry* find_tool(const AgentCore& core, const std::string& name) {
    for (const ToolEntry& tool : core.tools()) {
        if (tool.definition.name == name) return &tool;
    }
    return nullptr;
}

std::string tool_names(const AgentCore& core) {
    std::string names;
    for (const ToolEntry& tool : core.tools()) {
        names += names.empty() ? "" : ", ";
        names += tool.definition.name;
    }
    return names.empty() ? "(none)" : names;
}

// One call. Mistakes the model can fix (unknown tool, bad JSON, arguments that do not fit,
// Retry) come back as a correction; anything else fails the run.
boost::asio::awaitable<ToolOutcome> run_one(RunState& state, const ToolCall& call) {
    const ToolEntry* tool = find_tool(*state.core, call.name);
    if (!tool) {
        co_return ToolOutcome{"Unknown tool '" + call.name + "'. Available tools: " +
                                  tool_names(*state.core) + ".",
                              true};
    }
    boost::json::value args;
    if (!call.arguments.empty()) {
        boost::system::error_code ec;
        args = boost::json::parse(call.arguments, ec);
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
        std::string content = co_await tool->invoke(state.ctx, args);
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

}  // namespace

boost::asio::awaitable<void> run_tool_calls(RunState& state, const std::vector<ToolCall>& calls) {
    std::vector<ToolOutcome> outcomes;
    outcomes.reserve(calls.size());
    if (calls.size() == 1) {
        ToolOutcome outcome = co_await run_one(state, calls.front());
        outcomes.push_back(std::move(outcome));
    } else {
        // Children return values and only this coroutine merges them, so no lock is needed.
        auto executor = co_await boost::asio::this_coro::executor;
        using Op = decltype(boost::asio::co_spawn(executor, run_one(state, calls.front()),
                                                  boost::asio::deferred));
        std::vector<Op> ops;
        ops.reserve(calls.size());
        for (const ToolCall& call : calls) {
            ops.push_back(boost::asio::co_spawn(executor, run_one(state, call), boost::asio::deferred));
        }
        auto [order, errors, results] =
            co_await boost::asio::experimental::make_parallel_group(std::move(ops))
                .async_wait(boost::asio::experimental::wait_for_all(), boost::asio::use_awaitable);
        for (const std::exception_ptr& error : errors) {
            if (error) std::rethrow_exception(error);
        }
        for (ToolOutcome& outcome : results) outcomes.push_back(std::move(outcome));
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
}

}  // namespace agentroute::detail
