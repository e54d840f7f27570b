#pragma once

#include <agentroute/telemetry/span.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace agentroute::telemetry::detail {

// OTLP's JSON encoding (the protocol's JSON mapping of its protobuf: lowerCamelCase names, trace
// and span ids as hex, 64-bit integers as decimal strings, enums as numbers), written as text:
// a span is serialized once, as it ends, and queued as its text.

/// `span` as one OTLP JSON `Span` object.
void append_span_json(std::string& out, const Span& span);

/// An `ExportTraceServiceRequest` with one resource (`service.name`) and one scope, around
/// `spans`: span objects written by `append_span_json`, joined by commas.
std::string otlp_traces_json(std::string_view spans, std::string_view service_name);

/// Spans the collector refused in its `partialSuccess.rejectedSpans` (0 for an empty or
/// unreadable answer).
std::uint64_t otlp_rejected_spans(std::string_view response_body) noexcept;

}  // namespace agentroute::telemetry::detail
