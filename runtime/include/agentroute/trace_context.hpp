#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agentroute {

/// A W3C trace context (https://www.w3.org/TR/trace-context/): where a span sits in a
/// distributed trace. Trivially copyable, 25 bytes; no allocation to hold or pass one.
struct TraceContext {
    std::array<std::uint8_t, 16> trace_id{};
    std::array<std::uint8_t, 8> span_id{};
    /// Bit 0: sampled.
    std::uint8_t flags = 1;

    /// A trace id and a span id that are not all zeros (the W3C rule for a usable context).
    bool valid() const noexcept;
    bool sampled() const noexcept { return (flags & 1) != 0; }

    /// "00-<32 hex trace id>-<16 hex span id>-<2 hex flags>", the `traceparent` header's value.
    std::string traceparent() const;
    std::string trace_id_hex() const;
    std::string span_id_hex() const;
    /// The same, appended to `out` (no string of their own: a traced model call writes them
    /// into its request).
    void append_traceparent(std::string& out) const;
    void append_trace_id_hex(std::string& out) const;
    void append_span_id_hex(std::string& out) const;

    /// A `traceparent` value; nullopt for anything the W3C format does not allow (a version
    /// ff, upper-case hex, all-zero ids, a version-00 value with more after the flags). A later
    /// version's longer value is read by its first four fields, as the format requires.
    static std::optional<TraceContext> parse(std::string_view traceparent) noexcept;

    /// A new span in this trace: same trace id and flags, a fresh random span id.
    TraceContext child() const noexcept;
    /// The root span of a new trace: random trace and span ids, sampled.
    static TraceContext new_root() noexcept;

    friend bool operator==(const TraceContext&, const TraceContext&) = default;
};

}  // namespace agentroute
