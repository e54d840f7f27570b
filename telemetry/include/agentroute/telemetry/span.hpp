#pragma once

#include <agentroute/trace_context.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace agentroute::telemetry {

/// A span attribute's value, as OpenTelemetry allows them.
using AttributeValue = std::variant<std::string, std::int64_t, double, bool, std::vector<std::string>>;

struct Attribute {
    /// The attribute's name: a string literal (the names are fixed), so a span's attributes
    /// cost no allocation for their keys.
    std::string_view key;
    AttributeValue value;
};

/// OTLP's span kinds (same numbers).
enum class SpanKind : std::uint8_t { internal = 1, server = 2, client = 3 };

/// OTLP's status codes (same numbers).
enum class StatusCode : std::uint8_t { unset = 0, ok = 1, error = 2 };

/// One finished span: what a `SpanSink` receives, after the OpenTelemetry GenAI conventions
/// (docs/observability.md lists every attribute).
struct Span {
    /// Its trace id, its own span id and the trace flags.
    TraceContext context{};
    /// The parent's span id; none for a trace's root.
    std::optional<std::array<std::uint8_t, 8>> parent_span_id{};
    /// "invoke_agent triage", "chat openai/gpt-4o-mini", "execute_tool lookup".
    std::string name{};
    SpanKind kind = SpanKind::internal;
    std::chrono::system_clock::time_point start{};
    std::chrono::system_clock::time_point end{};
    std::vector<Attribute> attributes{};
    StatusCode status = StatusCode::unset;
    /// The error's message, with `StatusCode::error`.
    std::string status_message{};

    /// The attribute named `key`, else null.
    const AttributeValue* attribute(std::string_view key) const noexcept;
    /// The attribute as a string / integer / double, else nullopt (also for another type).
    std::optional<std::string> string_attribute(std::string_view key) const;
    std::optional<std::int64_t> int_attribute(std::string_view key) const;
    std::optional<double> double_attribute(std::string_view key) const;
};

}  // namespace agentroute::telemetry
