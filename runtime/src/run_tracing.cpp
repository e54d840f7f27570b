#include "run_tracing.hpp"

namespace agentroute::detail {
namespace {

const TraceContext* run_context_of(const RunState& state) noexcept {
    return state.span ? &state.span->context() : nullptr;
}

std::string_view description_of(const AgentCore& core, const std::string& tool) noexcept {
    for (const ToolEntry& entry : core.tools()) {
        if (entry.definition.name == tool) return entry.definition.description;
    }
    return {};
}

// What every span of a run's own work says of it; its parent is the run's span.
SpanStart in_run(const RunState& state, SpanOperation operation) {
    SpanStart start;
    start.operation = operation;
    start.parent = run_context_of(state);
    start.agent = state.core->options().name;
    start.agent_path = state.path;
    start.run_id = state.ctx.run_id();
    return start;
}

}  // namespace

void start_run_span(RunState& state) {
    const AgentCore& core = *state.core;
    SpanStart start;
    start.operation = SpanOperation::invoke_agent;
    start.parent = state.options.trace_parent ? &*state.options.trace_parent : nullptr;
    start.agent = core.options().name;
    start.agent_path = state.path;
    start.run_id = state.ctx.run_id();
    if (state.options.conversation_id) start.conversation_id = *state.options.conversation_id;
    start.model = state.model->name();
    start.instructions = core.options().instructions;
    state.span = state.tracer->start(start);
}

void end_run_span(RunState& state, const std::exception_ptr& error) noexcept {
    if (!state.span) return;
    SpanEnd end;
    end.usage = &state.usage;
    end.retries = state.retries_used;
    end.error = error;
    state.span->end(end);
    state.span.reset();
}

std::unique_ptr<TraceSpan> start_chat_span(const RunState& state, const ModelRequest& request) {
    SpanStart start = in_run(state, SpanOperation::chat);
    start.model = state.model->name();
    start.request = &request;
    return state.tracer->start(start);
}

void end_chat_span(TraceSpan& span, const CallUsage* call, std::string_view finish_reason,
                   const Message* answer, const std::exception_ptr& error) noexcept {
    SpanEnd end;
    end.call = call;
    end.finish_reason = finish_reason;
    end.output = answer;
    end.error = error;
    span.end(end);
}

std::unique_ptr<TraceSpan> start_tool_span(const RunState& state, const ToolCall& call) {
    SpanStart start = in_run(state, SpanOperation::execute_tool);
    start.tool_call = &call;
    start.tool_description = description_of(*state.core, call.name);
    return state.tracer->start(start);
}

void end_tool_span(TraceSpan& span, std::string_view result, bool correction,
                   const std::exception_ptr& error) noexcept {
    SpanEnd end;
    end.tool_result = result;
    end.tool_correction = correction;
    end.error = error;
    span.end(end);
}

}  // namespace agentroute::detail
