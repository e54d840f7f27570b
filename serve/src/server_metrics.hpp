#pragma once

// The server's counters, gauges and histograms, rendered in the Prometheus text exposition
// format for `/metrics`. Updated from every connection's strand: one mutex, held for a few
// additions per request.

#include "prometheus_text.hpp"

#include <agentroute/usage.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace agentroute::serve::detail {

/// Latency buckets, seconds: from a cached answer to a long agent turn.
inline constexpr std::array<double, 12> latency_buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                        0.5,   1,    2.5,   5,    10,  30};

/// A latency histogram on those buckets (telemetry's Prometheus histogram).
class Histogram : public telemetry::detail::Histogram {
public:
    Histogram() : telemetry::detail::Histogram(latency_buckets) {}
};

class ServerMetrics {
public:
    /// `endpoint` is one of the server's routes (or "other"), never a raw path.
    void request(std::string_view endpoint, int status, std::chrono::steady_clock::duration took);
    /// A run's end: outcome "completed", "failed" or "cancelled", and what it spent.
    void run(std::string_view agent, std::string_view outcome, const Usage& usage);
    void first_token(std::string_view agent, std::chrono::steady_clock::duration after);
    void overloaded() { rejected_.fetch_add(1, std::memory_order_relaxed); }

    std::atomic<std::int64_t> runs_in_flight{0};
    std::atomic<std::int64_t> open_connections{0};

    std::string render() const;

private:
    struct RunTotals {
        std::uint64_t completed = 0, failed = 0, cancelled = 0;
        std::int64_t input_tokens = 0, output_tokens = 0, cached_tokens = 0;
        double cost_usd = 0;
        Histogram time_to_first_token;
    };
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, int>, std::uint64_t> requests_;
    std::map<std::string, Histogram> request_seconds_;
    std::map<std::string, RunTotals, std::less<>> runs_;
    std::atomic<std::uint64_t> rejected_{0};
};

}  // namespace agentroute::serve::detail
