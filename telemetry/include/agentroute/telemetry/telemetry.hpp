#pragma once

#include <agentroute/telemetry/span_sink.hpp>
#include <agentroute/tracer.hpp>

#include <memory>
#include <string>
#include <vector>

namespace agentroute::telemetry {

namespace detail {
class Metrics;
}

/// Which names the GenAI metrics go out under. The stable `gen_ai.client.token.usage` and
/// `gen_ai.client.operation.duration` are what dashboards chart today; the conventions' draft
/// replaces them with `gen_ai.client.inference.usage.*` and `gen_ai.client.inference.duration`.
enum class MetricNames : std::uint8_t { stable, draft, both };

struct TelemetryOptions {
    /// Where finished spans go (an `OtlpExporter`, a `SpanRecorder`, your own).
    std::vector<std::shared_ptr<SpanSink>> sinks{};
    /// Record prompts, answers, instructions and tool arguments/results on spans
    /// (`gen_ai.input.messages`, ...). Off: they may hold personal data, and they are large.
    bool capture_content = false;
    MetricNames metric_names = MetricNames::stable;
    /// `gen_ai.provider.name` of model calls.
    std::string provider_name = "openrouter";
};

/// GenAI spans and metrics from an agent's runs. Set it as `AgentOptions::tracer` (one object
/// for every agent of a process is the usual set-up):
///
///     auto tracing = std::make_shared<telemetry::Telemetry>(telemetry::TelemetryOptions{.sinks = {exporter}});
///     Agent agent({.name = "support", .model = "openai/gpt-4o-mini", .tracer = tracing});
///
/// Spans: `invoke_agent {agent}` per run (a child run under the `execute_tool` span that ran
/// it), `chat {model}` per model call (its HTTP attempts as one span, `agentroute.http.attempts`),
/// `execute_tool {tool}` per tool call. Token counts sit on `chat` spans only; a run's totals
/// are `agentroute.usage.*`, so a backend summing `gen_ai.usage.*` counts each token once.
///
/// Thread safety: one object serves every run of the process concurrently; it must outlive
/// the runs that use it (agents hold it, so it does when only agents own it).
class Telemetry : public RunTracer {
public:
    explicit Telemetry(TelemetryOptions options = {});
    ~Telemetry() override;

    std::unique_ptr<TraceSpan> start(const SpanStart& start) override;

    /// The metrics in Prometheus text exposition format 0.0.4 (what a `/metrics` endpoint
    /// answers; `serve` appends it to its own).
    std::string prometheus() const;

    const TelemetryOptions& options() const noexcept { return options_; }

private:
    friend class GenAiSpan;
    void finish(const Span& span) noexcept;

    TelemetryOptions options_;
    std::unique_ptr<detail::Metrics> metrics_;
};

}  // namespace agentroute::telemetry
