#pragma once

#include "prometheus_text.hpp"

#include <agentroute/telemetry/span.hpp>
#include <agentroute/telemetry/telemetry.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace agentroute::telemetry::detail {

/// A series' labels, `key="value",...`, built in one reused buffer: `mark` and `back_to` let a
/// base set grow into several series' keys without copying it.
class LabelSet {
public:
    LabelSet& add(std::string_view key, std::string_view value);
    std::size_t mark() const noexcept { return text_.size(); }
    void back_to(std::size_t mark) { text_.resize(mark); }
    void clear() noexcept { text_.clear(); }
    std::string_view view() const noexcept { return text_; }

private:
    std::string text_;
};

/// The metrics, kept from finished spans (their attributes say everything a metric needs), and
/// rendered as Prometheus text. One mutex: an update is a few map lookups per span, and a label
/// set is built in a buffer of the object's, so a series seen before costs no allocation.
class Metrics {
public:
    explicit Metrics(MetricNames names) : names_(names) {}

    /// An invoke_agent span opened (runs in flight).
    void run_started(std::string_view agent);
    void span_ended(const Span& span);

    /// `dropped`: spans the sinks let go; `open_connections`: the HTTPS pools' gauge.
    std::string prometheus(std::uint64_t dropped, std::size_t open_connections) const;

    // Series by their label set.
    template <class V>
    using Family = std::map<std::string, V, std::less<>>;

private:
    void chat_ended(const Span& span);
    void tool_ended(const Span& span);
    void run_ended(const Span& span);

    const MetricNames names_;
    mutable std::mutex mutex_;
    LabelSet labels_;  // under mutex_
    Family<Histogram> token_usage_;          // gen_ai.client.token.usage
    Family<Histogram> operation_duration_;   // gen_ai.client.operation.duration
    Family<Histogram> inference_input_;      // gen_ai.client.inference.usage.input_tokens
    Family<Histogram> inference_output_;     // gen_ai.client.inference.usage.output_tokens
    Family<Histogram> inference_duration_;   // gen_ai.client.inference.duration
    std::map<std::string_view, Family<std::uint64_t>> detailed_tokens_;  // counter name -> series
    Family<std::uint64_t> runs_;             // agent, outcome
    Family<std::int64_t> runs_in_flight_;    // agent
    Family<double> cost_;                    // agent, model
    Family<std::uint64_t> model_calls_;      // agent, model, outcome
    Family<std::uint64_t> tool_calls_;       // tool, outcome
    Family<std::uint64_t> retries_;          // agent
};

}  // namespace agentroute::telemetry::detail
