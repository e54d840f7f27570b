#pragma once

#include <cstdint>
#include <iosfwd>

namespace agentroute {

/// Tokens, money and calls spent by a run (or by one model call).
///
/// `total_cost_usd` is what the provider billed; `cost_estimated` is set when some part of it
/// was estimated from catalogue prices because the provider reported no cost.
struct Usage {
    std::int64_t input_tokens = 0;
    std::int64_t output_tokens = 0;
    double total_cost_usd = 0.0;
    std::int64_t model_calls = 0;
    bool cost_estimated = false;

    Usage& operator+=(const Usage& other) noexcept {
        input_tokens += other.input_tokens;
        output_tokens += other.output_tokens;
        total_cost_usd += other.total_cost_usd;
        model_calls += other.model_calls;
        cost_estimated = cost_estimated || other.cost_estimated;
        return *this;
    }
    friend Usage operator+(Usage a, const Usage& b) noexcept { return a += b; }
    friend bool operator==(const Usage&, const Usage&) = default;
};

/// Prints `input_tokens=… output_tokens=… total_cost_usd=… model_calls=…`.
std::ostream& operator<<(std::ostream& os, const Usage& usage);

}  // namespace agentroute
