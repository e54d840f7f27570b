#pragma once

#include <agentroute/detail/agent_core.hpp>
#include <agentroute/detail/run_observer.hpp>
#include <agentroute/errors.hpp>
#include <agentroute/run_context.hpp>
#include <agentroute/run_options.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace agentroute::detail {

/// Everything one run owns. Lives in the run's coroutine frame and dies with it: there is no
/// registry of runs. Only the run's own coroutine mutates it; parallel tool children read it.
struct RunState {
    RunState(std::shared_ptr<AgentCore> core, RunOptions options,
             boost::asio::any_io_executor executor, std::shared_ptr<RunObserver> observer);

    std::shared_ptr<AgentCore> core;
    RunOptions options;
    std::shared_ptr<Model> model;  ///< resolved as the run starts (`AgentCore::model_for`)
    std::shared_ptr<RunObserver> observer;
    /// The run's limits: `RunOptions` where set, else the agent's.
    std::optional<double> max_cost;
    int max_turns = 0;
    RunContext ctx;
    std::vector<Message> messages;
    /// Index of the first message this run added (the user prompt), for conversation storage.
    std::size_t first_new = 0;
    Usage usage;
    /// One record per model call; `usage` is their sum.
    std::vector<CallUsage> calls;
    int turn = 0;
    int retries_used = 0;
    std::optional<std::chrono::steady_clock::time_point> deadline;

    void emit(const RunEvent& event) const {
        if (options.on_event) options.on_event(event);
        if (observer) observer->on_event(event);
    }
    bool observed() const noexcept { return options.on_event || observer; }

    void sync_context() noexcept { ctx.update(usage, turn, messages); }

    /// Adds one call's record to `calls` and its usage to `usage`.
    void count_call(CallUsage call) {
        usage += call.usage;
        calls.push_back(std::move(call));
    }

    /// Counts one corrective pass; throws `ErrorRetries` when it exceeds `retries`.
    void count_retry(const std::string& message);
};

/// A fresh run id: "run_" and 32 hex digits.
std::string make_run_id();

/// The prompt tokens the next call may be billed for, erring high: a token for every three
/// bytes of the request as it will be sent.
std::int64_t estimated_prompt_tokens(const RunState& state);

/// The guard before every model call: cancellation, deadline, turn limit, cost ceiling.
/// Returns the cap on output tokens that keeps a worst-case answer under `max_cost`, when the
/// model's price is known.
boost::asio::awaitable<std::optional<std::int64_t>> checkpoint(RunState& state);

/// The guard after every model call: the cost ceiling.
void check_budget(const RunState& state);

/// Runs the tool calls of one assistant message (concurrently when there are several) and
/// appends one tool result per call, in call order. Counts corrections as one retry.
boost::asio::awaitable<void> run_tool_calls(RunState& state, const std::vector<ToolCall>& calls);

/// The loop itself: model call, tools, final answer, until output or error.
boost::asio::awaitable<std::any> run_loop(RunState& state);

}  // namespace agentroute::detail
