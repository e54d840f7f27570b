#include "metrics.hpp"

#include <array>
#include <chrono>

namespace agentroute::telemetry::detail {
namespace {

// The conventions' explicit bucket boundaries.
constexpr std::array<double, 14> token_bounds{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144,
                                              1048576, 4194304, 16777216, 67108864};
constexpr std::array<double, 14> duration_bounds{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64,
                                                 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};

std::string_view attr(const Span& span, std::string_view key) {
    const AttributeValue* v = span.attribute(key);
    const std::string* s = v ? std::get_if<std::string>(v) : nullptr;
    return s ? std::string_view(*s) : std::string_view();
}

// The series of `family` with `labels`, made on first sight.
template <class V, class... Make>
V& series(Metrics::Family<V>& family, std::string_view labels, Make&&... make) {
    auto it = family.find(labels);
    if (it == family.end()) it = family.emplace(std::string(labels), V(std::forward<Make>(make)...)).first;
    return it->second;
}

void append_histograms(std::string& out, const Metrics::Family<Histogram>& family, std::string_view name,
                       std::string_view help) {
    append_family(out, name, "histogram", help);
    for (const auto& [key, h] : family) h.append(out, name, key);
}

template <class V>
void append_counters(std::string& out, const Metrics::Family<V>& family, std::string_view name,
                     std::string_view type, std::string_view help) {
    append_family(out, name, type, help);
    for (const auto& [key, value] : family) {
        if constexpr (std::is_same_v<V, std::int64_t>) {
            append_sample(out, name, key, static_cast<double>(value));
        } else {
            append_sample(out, name, key, value);
        }
    }
}

double seconds_of(const Span& span) {
    return std::chrono::duration<double>(span.end - span.start).count();
}

std::string_view outcome_of(const Span& span) {
    if (span.status != StatusCode::error) return "completed";
    const std::string_view type = attr(span, "error.type");
    return type == "ErrorCancelled" || type == "ErrorDeadline" ? "cancelled" : "failed";
}

}  // namespace

LabelSet& LabelSet::add(std::string_view key, std::string_view value) {
    if (!text_.empty()) text_ += ',';
    text_ += key;
    text_ += "=\"";
    append_escaped_label(text_, value);
    text_ += '"';
    return *this;
}

void Metrics::run_started(std::string_view agent) {
    const std::lock_guard lock(mutex_);
    labels_.clear();
    ++series(runs_in_flight_, labels_.add("gen_ai_agent_name", agent).view());
}

void Metrics::span_ended(const Span& span) {
    const std::string_view operation = attr(span, "gen_ai.operation.name");
    const std::lock_guard lock(mutex_);
    if (operation == "chat") chat_ended(span);
    else if (operation == "execute_tool") tool_ended(span);
    else if (operation == "invoke_agent") run_ended(span);
}

void Metrics::chat_ended(const Span& span) {
    const std::string_view request_model = attr(span, "gen_ai.request.model");
    const std::string_view error = attr(span, "error.type");
    const std::string_view agent = attr(span, "gen_ai.agent.name");
    const bool stable = names_ != MetricNames::draft;
    const bool draft = names_ != MetricNames::stable;
    const double seconds = seconds_of(span);
    const std::optional<std::int64_t> input = span.int_attribute("gen_ai.usage.input_tokens");
    const std::optional<std::int64_t> output = span.int_attribute("gen_ai.usage.output_tokens");

    LabelSet& l = labels_;
    l.clear();
    l.add("gen_ai_operation_name", "chat").add("gen_ai_provider_name", attr(span, "gen_ai.provider.name"));
    l.add("gen_ai_request_model", request_model).add("gen_ai_response_model", attr(span, "gen_ai.response.model"));
    const std::size_t base = l.mark();
    // The conventions report token usage only when the provider gave it.
    auto tokens = [&](Metrics::Family<Histogram>& family, std::optional<std::int64_t> n, std::string_view type) {
        if (!n) return;
        if (!type.empty()) l.add("gen_ai_token_type", type);
        series(family, l.view(), token_bounds).observe(static_cast<double>(*n));
        l.back_to(base);
    };
    auto duration = [&](Metrics::Family<Histogram>& family) {
        if (!error.empty()) l.add("error_type", error);
        series(family, l.view(), duration_bounds).observe(seconds);
        l.back_to(base);
    };
    if (stable) {
        tokens(token_usage_, input, "input");
        tokens(token_usage_, output, "output");
        duration(operation_duration_);
    }
    if (draft) {
        tokens(inference_input_, input, {});
        tokens(inference_output_, output, {});
        duration(inference_duration_);
        l.add("gen_ai_token_modality", "text");
        auto add = [&](std::string_view counter, std::string_view key) {
            if (auto n = span.int_attribute(key)) series(detailed_tokens_[counter], l.view()) += static_cast<std::uint64_t>(*n);
        };
        add("gen_ai_client_inference_usage_detailed_input_tokens_total", "gen_ai.usage.input_tokens");
        add("gen_ai_client_inference_usage_detailed_output_tokens_total", "gen_ai.usage.output_tokens");
        add("gen_ai_client_inference_usage_detailed_cache_read_input_tokens_total", "gen_ai.usage.cache_read.input_tokens");
        add("gen_ai_client_inference_usage_detailed_cache_write_input_tokens_total", "gen_ai.usage.cache_creation.input_tokens");
        add("gen_ai_client_inference_usage_detailed_reasoning_output_tokens_total", "gen_ai.usage.reasoning.output_tokens");
    }
    l.clear();
    l.add("gen_ai_agent_name", agent).add("gen_ai_request_model", request_model);
    if (auto cost = span.double_attribute("agentroute.cost.usd")) series(cost_, l.view()) += *cost;
    series(model_calls_, l.add("outcome", error.empty() ? "ok" : "error").view()) += 1;
}

void Metrics::tool_ended(const Span& span) {
    std::string_view outcome = span.status == StatusCode::error ? "error" : "ok";
    if (span.attribute("agentroute.tool.correction")) outcome = "correction";
    labels_.clear();
    series(tool_calls_, labels_.add("gen_ai_tool_name", attr(span, "gen_ai.tool.name")).add("outcome", outcome).view()) += 1;
}

void Metrics::run_ended(const Span& span) {
    LabelSet& l = labels_;
    l.clear();
    l.add("gen_ai_agent_name", attr(span, "gen_ai.agent.name"));
    --series(runs_in_flight_, l.view());
    if (auto retries = span.int_attribute("agentroute.retries"); retries && *retries > 0) {
        series(retries_, l.view()) += static_cast<std::uint64_t>(*retries);
    }
    series(runs_, l.add("outcome", outcome_of(span)).view()) += 1;
}

std::string Metrics::prometheus(std::uint64_t dropped, std::size_t open_connections) const {
    std::string out;
    const std::lock_guard lock(mutex_);
    if (names_ != MetricNames::draft) {
        append_histograms(out, token_usage_, "gen_ai_client_token_usage",
                          "Number of input and output tokens used (gen_ai.client.token.usage).");
        append_histograms(out, operation_duration_, "gen_ai_client_operation_duration_seconds",
                          "GenAI operation duration (gen_ai.client.operation.duration).");
    }
    if (names_ != MetricNames::stable) {
        append_histograms(out, inference_input_, "gen_ai_client_inference_usage_input_tokens",
                          "Input tokens per inference operation (gen_ai.client.inference.usage.input_tokens).");
        append_histograms(out, inference_output_, "gen_ai_client_inference_usage_output_tokens",
                          "Output tokens per inference operation (gen_ai.client.inference.usage.output_tokens).");
        append_histograms(out, inference_duration_, "gen_ai_client_inference_duration_seconds",
                          "Inference operation duration (gen_ai.client.inference.duration).");
        for (const auto& [name, family] : detailed_tokens_) {
            append_counters(out, family, name, "counter", "Tokens spent, by modality (gen_ai.client.inference.usage.detailed.*).");
        }
    }
    append_counters(out, runs_, "agentroute_runs_total", "counter", "Agent runs ended, by agent and outcome.");
    append_counters(out, runs_in_flight_, "agentroute_runs_in_flight", "gauge", "Agent runs in progress, by agent.");
    append_counters(out, cost_, "agentroute_cost_usd_total", "counter",
                    "USD billed for model calls (failed ones too), by agent and model asked for.");
    append_counters(out, model_calls_, "agentroute_model_calls_total", "counter",
                    "Model calls, by agent, model asked for and outcome.");
    append_counters(out, tool_calls_, "agentroute_tool_calls_total", "counter",
                    "Tool calls, by tool and outcome (ok, correction, error).");
    append_counters(out, retries_, "agentroute_retries_total", "counter",
                    "Corrective passes runs took (Retry, invalid arguments, unparsable output), by agent.");
    append_family(out, "agentroute_pool_connections", "gauge",
                  "HTTPS connections the OpenRouter models hold open or are opening, idle ones included.");
    append_sample(out, "agentroute_pool_connections", "", static_cast<std::uint64_t>(open_connections));
    append_family(out, "agentroute_telemetry_spans_dropped_total", "counter",
                  "Spans the exporters let go (a full queue, a collector that refused them).");
    append_sample(out, "agentroute_telemetry_spans_dropped_total", "", dropped);
    return out;
}

}  // namespace agentroute::telemetry::detail
