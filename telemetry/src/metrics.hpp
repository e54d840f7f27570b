#pragma once

#include "prometheus_text.hpp"

#include <agentroute/telemetry/span.hpp>
#include <agentroute/telemetry/telemetry.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace agentroute::telemetry::detail {

/// The metrics, kept from finished spans (their attributes say everything a metric needs), and
/// rendered as Prometheus text. One mutex: an update is a few map lookups per span.
class Metrics {
public:
    explicit Metrics(MetricNames names) : names_(names) {}

    /// An invoke_agent span opened (runs in flight).
    void run_started(const std::string& agent);
    void span_ended(const Span& span);

    /// `dropped`: spans the sinks let go; `open_connections`: the HTTPS pools' gauge.
    std::string prometheus(std::uint64_t dropped, std::size_t open_connections) const;

private:
    void chat_ended(const Span& span);
    void tool_ended(const Span& span);
    void run_ended(const Span& span);

    const MetricNames names_;
    mutable std::mutex mutex_;
    // Each map: the formatted label set -> its series.
    std::map<std::string, Histogram> token_usage_;          // gen_ai.client.token.usage
    std::map<std::string, Histogram> operation_duration_;   // gen_ai.client.operation.duration
    std::map<std::string, Histogram> inference_input_;      // gen_ai.client.inference.usage.input_tokens
    std::map<std::string, Histogram> inference_output_;     // gen_ai.client.inference.usage.output_tokens
    std::map<std::string, Histogram> inference_duration_;   // gen_ai.client.inference.duration
    std::map<std::pair<std::string_view, std::string>, std::uint64_t> detailed_tokens_;  // (name, labels) -> tokens
    std::map<std::string, std::uint64_t> runs_;             // agent, outcome
    std::map<std::string, std::int64_t> runs_in_flight_;    // agent
    std::map<std::string, double> cost_;                    // agent, model
    std::map<std::string, std::uint64_t> model_calls_;      // agent, model, outcome
    std::map<std::string, std::uint64_t> tool_calls_;       // tool, outcome
    std::map<std::string, std::uint64_t> retries_;          // agent
};

}  // namespace agentroute::telemetry::detail
