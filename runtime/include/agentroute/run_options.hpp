#pragma once

#include <agentroute/agent_options.hpp>
#include <agentroute/deps.hpp>
#include <agentroute/messages.hpp>
#include <agentroute/trace_context.hpp>
#include <agentroute/usage.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentroute {

/// One thing that happened in a run, delivered to `RunOptions::on_event` in order, on the
/// run's executor. Views point into the run's state and are valid during the call only; a
/// `RunStream` hands out owned copies instead (`StreamEvent`).
struct RunEvent {
    enum class Kind {
        text_delta,         ///< `text`: a streamed fragment of the model's answer
        reasoning_delta,    ///< `text`: a fragment of the provider's streamed reasoning
        tool_call_started,  ///< `call` (id and name), `index`: the model began a tool call
        tool_call_delta,    ///< `text`, `index`: a fragment of that call's arguments
        tool_call,          ///< `call`: the model asked for a tool (arguments complete)
        tool_result,        ///< `message`: a tool's result (or a correction) going back
        usage,              ///< `usage`: the run's usage after a model call; `model_call`:
                            ///< that call's record
        partial_output,     ///< `text`: for a typed output, the JSON object of the fields
                            ///< parsed so far from the streamed answer, whenever they change
        completed,          ///< terminal: the run produced its output
        failed,             ///< terminal: the run ended in an error (`text` is what())
        cancelled,          ///< terminal: the run was cancelled or its deadline passed
        handoff,            ///< `text`: the agent the conversation was handed to; `agent` is
                            ///< the one that handed it over
        tool_progress,      ///< `progress`, `progress_total`, `text` (a message, maybe empty):
                            ///< a running tool's report (`RunContext::report_progress`; an MCP
                            ///< server's `notifications/progress`)
    };
    Kind kind{};
    std::string_view text{};
    const ToolCall* call = nullptr;
    const Message* message = nullptr;
    Usage usage{};
    /// The tool call's position in the answer, for `tool_call_started` and `tool_call_delta`.
    int index = 0;
    /// For `usage`: the record of the call just made.
    const CallUsage* model_call = nullptr;
    /// The agent the event comes from, as a path from the run's agent: "triage", or
    /// "research > web" for an agent used as a tool. Its events come in order; those of
    /// agents running side by side interleave. Only the run's own terminal event is terminal:
    /// a child's outcome arrives as the `tool_result` of the call that ran it.
    std::string_view agent{};
    /// For `tool_progress`: how far the tool is, and of how much when it knows.
    double progress = 0;
    std::optional<double> progress_total{};
};

/// True for `completed`, `failed` and `cancelled`: the last event of every run.
constexpr bool is_terminal(RunEvent::Kind kind) noexcept {
    return kind == RunEvent::Kind::completed || kind == RunEvent::Kind::failed ||
           kind == RunEvent::Kind::cancelled;
}

/// Per-run options; every field is optional. Fields only ever grow at the end.
///
/// With GCC 12, build it in a named variable rather than as a braced temporary inside a
/// `co_await` expression: that compiler destroys such a temporary twice, and `Agent::run`
/// refuses it at compile time there (see docs/streaming.md, "GCC 12").
struct RunOptions {
    /// Earlier messages to continue from (e.g. a previous `Result::messages`). A leading system
    /// message is replaced by the agent's instructions.
    std::vector<Message> message_history{};
    /// With a memory on the agent: load this conversation before the run and append the run's
    /// new turns to it when the run ends.
    std::optional<std::string> conversation_id{};
    /// The run fails with `ErrorDeadline` once this much time has passed.
    std::optional<std::chrono::steady_clock::duration> deadline{};
    /// A run id; generated when empty.
    std::string run_id{};
    /// Observer of the run (streamed text, tool calls and results, usage, terminal event).
    std::function<void(const RunEvent&)> on_event{};
    /// The caller's own objects for this run (a tenant, a request logger, a database handle),
    /// reached by tools and validators through `RunContext::deps<D>()`.
    Deps deps{};
    /// This run's cost ceiling in USD, in place of `AgentOptions::max_cost`.
    std::optional<double> max_cost{};
    /// This run's model-call limit, in place of `AgentOptions::max_turns`.
    std::optional<int> max_turns{};
    /// This run's OpenRouter key (e.g. a tenant's, from a secrets manager), in place of the
    /// agent's. Never logged.
    std::optional<std::string> api_key{};
    /// This run's model, in place of the agent's: a name or slug (resolved with the run's key)
    /// or a `Model` object.
    ModelRef model{};
    /// This run's request parameters, over `AgentOptions::settings` field by field.
    ModelSettings settings{};
    /// More of the prompt: parts (images, files, audio) sent after the prompt's text in the
    /// same user message, e.g. `{content::image_file("receipt.png")}`.
    std::vector<ContentPart> attachments{};
    /// The caller's trace (e.g. `TraceContext::parse` of a request's `traceparent` header):
    /// with a tracer on the agent, the run's span is its child. Unset: a trace of its own.
    std::optional<TraceContext> trace_parent{};
};

}  // namespace agentroute
