#pragma once

#include <agentroute/detail/agent_core.hpp>
#include <agentroute/detail/run_observer.hpp>
#include <agentroute/errors.hpp>
#include <agentroute/run_context.hpp>
#include <agentroute/run_options.hpp>
#include <agentroute/tracer.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace agentroute::detail {

/// Everything one run owns. Lives in the run's coroutine frame and dies with it: there is no
/// registry of runs. Only the run's own coroutine mutates it, but for its usage and calls,
/// which its child runs (agents used as tools) add theirs to while it awaits them, one child at a
/// time (run_tool_calls puts such calls on a strand); parallel tool children read it.
struct RunState {
    RunState(std::shared_ptr<AgentCore> core, RunOptions options,
             boost::asio::any_io_executor executor, std::shared_ptr<RunObserver> observer,
             RunState* parent = nullptr);
    RunState(const RunState&) = delete;
    RunState& operator=(const RunState&) = delete;

    /// The agent running: the run's own, or the one a handoff passed the conversation to.
    std::shared_ptr<AgentCore> core;
    /// The run's own agent; keeps every agent it hands off to reachable.
    std::shared_ptr<AgentCore> entry;
    /// The run this one is a child of (an agent used as a tool), which outlives it: a child
    /// is awaited inside one of its parent's tool calls.
    RunState* parent = nullptr;
    /// Who the run's events and calls come from: the agent's name, after its parent's path
    /// and " > " for a child.
    std::string path;
    RunOptions options;
    std::shared_ptr<Model> model;  ///< resolved as the run starts (`AgentCore::model_for`)
    std::shared_ptr<RunObserver> observer;
    /// Where spans go: the agent's tracer, else its parent run's; null when not traced.
    std::shared_ptr<RunTracer> tracer;
    /// The run's own span (invoke_agent), open from its start to its terminal event.
    std::unique_ptr<TraceSpan> span;
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
    std::vector<Handoff> handoffs;
    /// After a handoff with an input filter: what the agent that took over sees of the
    /// messages before `view_from` (the system message aside).
    std::vector<Message> filtered_before;
    std::size_t view_from = 0;
    /// The agent's tool sources as this turn's model call saw them (`refresh_source_tools`),
    /// and the definitions it was offered: the agent's own, then the sources'. Empty for an
    /// agent without sources, whose calls use the agent's definitions directly.
    std::vector<std::shared_ptr<const std::vector<JsonTool>>> source_tools;
    std::vector<ToolDefinition> turn_definitions;
    const AgentCore* definitions_of = nullptr;  ///< the agent `turn_definitions` were built for

    /// Takes each tool source's current set for the turn about to start (no-op without sources).
    void refresh_source_tools();
    /// What the model is offered this turn.
    std::span<const ToolDefinition> tool_definitions() const noexcept {
        if (source_tools.empty()) return core->tool_definitions();
        return turn_definitions;
    }

    /// Delivers an event, tagged with this run's path, to the run's observers; a child's go
    /// to its parent's (all but its terminal event, which the parent's tool result stands for).
    void emit(RunEvent event) const {
        event.agent = path;
        deliver(event);
    }
    void deliver(const RunEvent& event) const {
        if (parent) {
            if (!is_terminal(event.kind)) parent->deliver(event);
            return;
        }
        if (options.on_event) options.on_event(event);
        if (observer) observer->on_event(event);
    }
    bool observed() const noexcept { return parent ? parent->observed() : (options.on_event || observer); }

    void sync_context() noexcept { ctx.update(usage, turn, messages); }
    /// The context a traced tool call sees: the run's, with the call's span.
    RunContext traced_context(const TraceContext& trace) const {
        RunContext copy = ctx;
        copy.trace_ = &trace;
        return copy;
    }
    /// The run's path and the context tools see name the agent running now, and the context
    /// reaches its memory (or keeps the one it had, when the agent has none).
    void enter_agent(const AgentCore& agent);

    /// Adds one call's record to `calls` and its usage to `usage`, here and in every run this
    /// one is a child of: a parent's usage is its tree's, live, so that every checkpoint of the
    /// tree sees what the whole tree has spent.
    void count_call(CallUsage call) {
        call.agent = path;
        for (RunState* up = parent; up; up = up->parent) {
            up->usage += call.usage;
            up->calls.push_back(call);
        }
        usage += call.usage;
        calls.push_back(std::move(call));
    }

    /// Counts one corrective pass; throws `ErrorRetries` when it exceeds `retries`.
    void count_retry(const std::string& message);

    /// The request parameters of `agent`'s calls in this run: the agent's, with the run's
    /// over them (merged and checked once per agent); null when neither has any.
    const ModelSettings* settings_for(const AgentCore& agent);

private:
    bool run_has_settings_ = false;
    std::optional<ModelSettings> merged_settings_;
    const AgentCore* merged_for_ = nullptr;
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

/// The guard after every model call: the cost ceiling, of this run and of every run it is a
/// child of.
void check_budget(const RunState& state);

/// Runs the tool calls of one assistant message (concurrently when there are several) and
/// appends one tool result per call, in call order. Counts corrections as one retry.
boost::asio::awaitable<void> run_tool_calls(RunState& state, const std::vector<ToolCall>& calls);

/// The loop itself: model call, tools, final answer, until output or error.
boost::asio::awaitable<std::any> run_loop(RunState& state);

/// The conversation passes to `target`, which continues the run from its next model call.
void take_over(RunState& state, std::shared_ptr<AgentCore> target, const HandoffTarget& via);

/// A run continuing a conversation (stored, or given as history) that an earlier run handed
/// to another agent continues with that agent.
void resume_holder(RunState& state);

/// What the model sees this turn before the history policy: the messages, or after a handoff
/// with an input filter, the filtered view of those before it. Returns `state.messages`, or
/// `storage` filled.
std::span<const Message> handoff_view(const RunState& state, std::vector<Message>& storage);

}  // namespace agentroute::detail
