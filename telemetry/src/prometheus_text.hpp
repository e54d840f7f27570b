#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace agentroute::telemetry::detail {

// Prometheus text exposition format 0.0.4, written by hand: a few append functions.

/// `value` with `\`, `"` and newlines escaped, as label values require.
std::string escape_label(std::string_view value);
void append_escaped_label(std::string& out, std::string_view value);
/// `# HELP name help` and `# TYPE name type`.
void append_family(std::string& out, std::string_view name, std::string_view type, std::string_view help);
/// `name{labels} value`; `labels` already formatted (`a="x",b="y"`) or empty.
void append_sample(std::string& out, std::string_view name, std::string_view labels, double value);
void append_sample(std::string& out, std::string_view name, std::string_view labels, std::uint64_t value);

/// A histogram's cumulative buckets, sum and count.
class Histogram {
public:
    explicit Histogram(std::span<const double> bounds) : bounds_(bounds), counts_(bounds.size(), 0) {}
    void observe(double value);
    void append(std::string& out, std::string_view name, std::string_view labels) const;
    std::uint64_t count() const noexcept { return count_; }
    double sum() const noexcept { return sum_; }
    std::span<const double> bounds() const noexcept { return bounds_; }
    /// Observations per bucket, not cumulative (OTLP's form), the last past every bound.
    std::vector<std::uint64_t> bucket_counts() const;

private:
    std::span<const double> bounds_;
    std::vector<std::uint64_t> counts_;  // cumulative, per bound
    std::uint64_t count_ = 0;
    double sum_ = 0;
};

}  // namespace agentroute::telemetry::detail
