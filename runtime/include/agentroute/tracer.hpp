#pragma once

#include <agentroute/messages.hpp>
#include <agentroute/model.hpp>
#include <agentroute/trace_context.hpp>
#include <agentroute/usage.hpp>

#include <cstdint>
#include <exception>
#include <memory>
#include <string_view>

namespace agentroute {

/// The operations a run is made of, as the OpenTelemetry GenAI conventions name them.
enum class SpanOperation : std::uint8_t {
    invoke_agent,  ///< a run of an agent (a child run for an agent used as a tool)
    chat,          ///< one model call, all its HTTP attempts together
    execute_tool,  ///< one tool call (an agent used as a tool included)
};

/// "invoke_agent", "chat", "execute_tool": the conventions' `gen_ai.operation.name`.
const char* to_string(SpanOperation operation) noexcept;

/// What an operation starting tells a tracer. Views and pointers are valid during `start` only.
struct SpanStart {
    SpanOperation operation = SpanOperation::invoke_agent;
    /// The span this one is a child of: the caller's (`RunOptions::trace_parent`), the run's,
    /// or for a child run the tool call that runs it. Null for a run with no caller's trace: it
    /// starts a trace of its own.
    const TraceContext* parent = nullptr;
    /// `AgentOptions::name` of the agent, and its path from the run's agent ("research > web").
    std::string_view agent{};
    std::string_view agent_path{};
    std::string_view run_id{};
    /// `RunOptions::conversation_id`, when the run continues a stored conversation.
    std::string_view conversation_id{};
    /// The model asked for (invoke_agent, chat).
    std::string_view model{};
    /// chat: the request about to go out (messages, tools, settings).
    const ModelRequest* request = nullptr;
    /// execute_tool: the call (id, name, arguments) and the tool's description.
    const ToolCall* tool_call = nullptr;
    std::string_view tool_description{};
    /// invoke_agent: the agent's instructions.
    std::string_view instructions{};
};

/// What an operation ending tells a tracer. Views and pointers are valid during `end` only.
struct SpanEnd {
    /// chat: the call's record as billed (tokens, cost, the model that answered, its
    /// generation id, attempts); also set for a failed call that was billed.
    const CallUsage* call = nullptr;
    /// chat: `stop`, `tool_calls`, `length`, ... as the provider said.
    std::string_view finish_reason{};
    /// chat: the answer.
    const Message* output = nullptr;
    /// execute_tool: the result going back to the model.
    std::string_view tool_result{};
    /// invoke_agent: the usage of the run and of the runs it called, and the corrective passes
    /// it took (`AgentOptions::retries`).
    const Usage* usage = nullptr;
    int retries = 0;
    /// The error that ended the operation, else null. `error_type` names its class
    /// ("ErrorBudget", "ErrorRateLimit", ...; `agentroute::error_type`).
    std::exception_ptr error{};
    /// execute_tool: the result is a correction for the model (an unknown tool, arguments that
    /// do not fit, `Retry`), not the tool's answer.
    bool tool_correction = false;
};

/// One operation in progress; `end` is called at most once, from any thread, when it ends. A span
/// destroyed without `end` (a call whose coroutine was cancelled or destroyed) ended unfinished:
/// an implementation closes it then, as cancelled.
class TraceSpan {
public:
    explicit TraceSpan(TraceContext context) noexcept : context_(context) {}
    virtual ~TraceSpan() = default;
    TraceSpan(const TraceSpan&) = delete;
    TraceSpan& operator=(const TraceSpan&) = delete;

    /// Where the span sits: its children's parent, and what outgoing requests carry
    /// (`traceparent`, OpenRouter's `trace`).
    const TraceContext& context() const noexcept { return context_; }

    virtual void end(const SpanEnd& end) noexcept = 0;

private:
    TraceContext context_;
};

/// The hook the runtime reports its runs, model calls and tool calls to: set one as
/// `AgentOptions::tracer`. `telemetry::Telemetry` is the one the project ships (GenAI spans,
/// metrics, OTLP export); implement it to feed a tracer of your own (opentelemetry-cpp, ...).
/// Without one the runtime does no tracing work at all.
///
/// Thread safety: `start` and the spans' `end` are called concurrently from every run.
class RunTracer {
public:
    virtual ~RunTracer() = default;
    /// An operation begins. Never null: a tracer that ignores some returns a span that does
    /// nothing (its context still passes the trace on).
    virtual std::unique_ptr<TraceSpan> start(const SpanStart& start) = 0;
};

/// The class of the error in `error` as a short, stable name for metrics and spans:
/// "ErrorBudget", "ErrorRateLimit", ..., "ErrorAgent" for the base, and "std::exception" or
/// "unknown" for anything else.
const char* error_type(const std::exception_ptr& error) noexcept;

}  // namespace agentroute
