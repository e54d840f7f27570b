#pragma once

#include "run_state.hpp"

#include <agentroute/tracer.hpp>

#include <exception>
#include <memory>
#include <string_view>

namespace agentroute::detail {

// The spans of a traced run, opened and closed by plain functions: a coroutine would keep
// their SpanStart/SpanEnd temporaries in the frame that every run in flight holds. Each is
// called only when `state.tracer` is set.

/// Opens the run's invoke_agent span (`state.span`): under the caller's trace, or for a child
/// run under the tool call that runs it (both arrive as `RunOptions::trace_parent`).
void start_run_span(RunState& state);
/// Closes it with the run's usage and error; nothing when the run has none open.
void end_run_span(RunState& state, const std::exception_ptr& error) noexcept;

/// A chat span for the call `request` is about to make, under the run's span.
std::unique_ptr<TraceSpan> start_chat_span(const RunState& state, const ModelRequest& request);
void end_chat_span(TraceSpan& span, const CallUsage* call, std::string_view finish_reason,
                   const Message* answer, const std::exception_ptr& error) noexcept;

/// An execute_tool span for `call`, under the run's span.
std::unique_ptr<TraceSpan> start_tool_span(const RunState& state, const ToolCall& call);
void end_tool_span(TraceSpan& span, std::string_view result, bool correction,
                   const std::exception_ptr& error) noexcept;

}  // namespace agentroute::detail
