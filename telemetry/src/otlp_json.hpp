#pragma once

#include <agentroute/telemetry/span.hpp>

#include <span>
#include <string>
#include <string_view>

namespace agentroute::telemetry::detail {

/// An `ExportTraceServiceRequest` in OTLP's JSON encoding (the protocol's JSON mapping of its
/// protobuf: lowerCamelCase names, trace and span ids as hex, 64-bit integers as decimal
/// strings, enums as numbers), with one resource (`service.name`) and one scope.
std::string otlp_traces_json(std::span<const Span> spans, std::string_view service_name);

/// Spans the collector refused in its `partialSuccess.rejectedSpans` (0 for an empty or
/// unreadable answer).
std::uint64_t otlp_rejected_spans(std::string_view response_body) noexcept;

}  // namespace agentroute::telemetry::detail
