#include "server_metrics.hpp"

#include <charconv>
#include <cmath>

namespace agentroute::serve::detail {

namespace {

using telemetry::detail::append_family;
using telemetry::detail::append_sample;

std::string label(std::string_view value) { return telemetry::detail::escape_label(value); }

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    append_family(out, name, type, help);
}

template <class V>
void sample(std::string& out, std::string_view name, std::string_view labels, V value) {
    if constexpr (std::is_floating_point_v<V> || std::is_signed_v<V>) {  // integers print the same either way
        append_sample(out, name, labels, static_cast<double>(value));
    } else {
        append_sample(out, name, labels, static_cast<std::uint64_t>(value));
    }
}

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

void ServerMetrics::request(std::string_view endpoint, int status, std::chrono::steady_clock::duration took) {
    const std::lock_guard lock(mutex_);
    ++requests_[{std::string(endpoint), status}];
    request_seconds_[std::string(endpoint)].observe(seconds(took));
}

void ServerMetrics::run(std::string_view agent, std::string_view outcome, const Usage& usage) {
    const std::lock_guard lock(mutex_);
    auto it = runs_.find(agent);
    if (it == runs_.end()) it = runs_.emplace(std::string(agent), RunTotals{}).first;
    RunTotals& t = it->second;
    if (outcome == "completed") ++t.completed;
    else if (outcome == "cancelled") ++t.cancelled;
    else ++t.failed;
    t.input_tokens += usage.input_tokens;
    t.output_tokens += usage.output_tokens;
    t.cached_tokens += usage.cached_input_tokens;
    t.cost_usd += usage.total_cost_usd;
}

void ServerMetrics::first_token(std::string_view agent, std::chrono::steady_clock::duration after) {
    const std::lock_guard lock(mutex_);
    auto it = runs_.find(agent);
    if (it == runs_.end()) it = runs_.emplace(std::string(agent), RunTotals{}).first;
    it->second.time_to_first_token.observe(seconds(after));
}

std::string ServerMetrics::render() const {
    std::string out;
    const std::lock_guard lock(mutex_);
    header(out, "agentroute_serve_requests_total", "counter", "HTTP requests answered, by endpoint and status.");
    for (const auto& [key, n] : requests_) {
        sample(out, "agentroute_serve_requests_total",
               "endpoint=\"" + label(key.first) + "\",status=\"" + std::to_string(key.second) + "\"", n);
    }
    header(out, "agentroute_serve_request_duration_seconds", "histogram",
           "Time from a request's last byte to its answer's last byte, by endpoint.");
    for (const auto& [endpoint, h] : request_seconds_) {
        h.append(out, "agentroute_serve_request_duration_seconds", "endpoint=\"" + label(endpoint) + "\"");
    }
    header(out, "agentroute_serve_overloaded_total", "counter", "Requests refused with 429 at the concurrent-run cap.");
    sample(out, "agentroute_serve_overloaded_total", "", rejected_.load(std::memory_order_relaxed));
    header(out, "agentroute_serve_runs_in_flight", "gauge", "Agent runs in progress.");
    sample(out, "agentroute_serve_runs_in_flight", "", runs_in_flight.load(std::memory_order_relaxed));
    header(out, "agentroute_serve_open_connections", "gauge", "Client connections open.");
    sample(out, "agentroute_serve_open_connections", "", open_connections.load(std::memory_order_relaxed));
    header(out, "agentroute_serve_runs_total", "counter", "Agent runs ended, by agent and outcome.");
    for (const auto& [agent, t] : runs_) {
        const std::string a = "agent=\"" + label(agent) + "\",outcome=";
        sample(out, "agentroute_serve_runs_total", a + "\"completed\"", t.completed);
        sample(out, "agentroute_serve_runs_total", a + "\"failed\"", t.failed);
        sample(out, "agentroute_serve_runs_total", a + "\"cancelled\"", t.cancelled);
    }
    header(out, "agentroute_serve_tokens_total", "counter", "Tokens of ended runs, by agent and type.");
    for (const auto& [agent, t] : runs_) {
        const std::string a = "agent=\"" + label(agent) + "\",type=";
        sample(out, "agentroute_serve_tokens_total", a + "\"input\"", t.input_tokens);
        sample(out, "agentroute_serve_tokens_total", a + "\"output\"", t.output_tokens);
        sample(out, "agentroute_serve_tokens_total", a + "\"cached_input\"", t.cached_tokens);
    }
    header(out, "agentroute_serve_cost_usd_total", "counter", "USD billed for ended runs (failed and cancelled ones too), by agent.");
    for (const auto& [agent, t] : runs_) sample(out, "agentroute_serve_cost_usd_total", "agent=\"" + label(agent) + "\"", t.cost_usd);
    header(out, "agentroute_serve_time_to_first_token_seconds", "histogram",
           "Time from a streamed request to its answer's first text, by agent.");
    for (const auto& [agent, t] : runs_) {
        t.time_to_first_token.append(out, "agentroute_serve_time_to_first_token_seconds", "agent=\"" + label(agent) + "\"");
    }
    return out;
}

}  // namespace agentroute::serve::detail
