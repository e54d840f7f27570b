#pragma once

#include <agentroute/telemetry/span_sink.hpp>

#include <mutex>
#include <string_view>
#include <vector>

namespace agentroute::telemetry {

/// Keeps every span it receives, for tests of your own: which spans a run made, under which
/// parent, with which attributes.
///
///     auto recorder = std::make_shared<telemetry::SpanRecorder>();
///     auto tracing = std::make_shared<telemetry::Telemetry>(telemetry::TelemetryOptions{.sinks = {recorder}});
///
/// Thread safety: all members may be called concurrently.
class SpanRecorder : public SpanSink {
public:
    void on_end(const Span& span) noexcept override;

    /// The spans so far, in the order they ended.
    std::vector<Span> spans() const;
    /// Those named `name` ("chat openai/gpt-4o-mini").
    std::vector<Span> spans_named(std::string_view name) const;
    void clear();

private:
    mutable std::mutex mutex_;
    std::vector<Span> spans_;
};

}  // namespace agentroute::telemetry
