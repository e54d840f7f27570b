#pragma once

#include <agentroute/telemetry/span.hpp>

#include <cstdint>

namespace agentroute::telemetry {

/// Where finished spans go: `OtlpExporter`, `SpanRecorder`, or your own (to hand them to
/// opentelemetry-cpp's exporters, say: every field maps onto its `Recordable`).
///
/// Thread safety: `on_end` is called concurrently from every run, on the run's thread, as the
/// span ends; it must not block.
class SpanSink {
public:
    virtual ~SpanSink() = default;
    virtual void on_end(const Span& span) noexcept = 0;
    /// Spans this sink let go without delivering them (a full queue, a collector that refused
    /// them): reported by `Telemetry`'s metrics as `agentroute_telemetry_spans_dropped_total`.
    virtual std::uint64_t dropped() const noexcept { return 0; }
};

}  // namespace agentroute::telemetry
