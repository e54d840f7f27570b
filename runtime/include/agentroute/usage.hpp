#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace agentroute {

/// Tokens, money and calls spent by a run (or by one model call).
///
/// `total_cost_usd` is what the provider billed. `cost_estimated` is set when some part of it
/// was estimated from catalogue prices because the provider reported no cost; `cost_unknown`
/// when some call's cost could be neither had nor estimated, so that `total_cost_usd` is only
/// a lower bound (docs/usage.md says when, and what `max_cost` then does).
struct Usage {
    std::int64_t input_tokens = 0;
    std::int64_t output_tokens = 0;
    double total_cost_usd = 0.0;
    std::int64_t model_calls = 0;
    bool cost_estimated = false;
    bool cost_unknown = false;
    /// Of `input_tokens`, those read from the provider's prompt cache.
    std::int64_t cached_input_tokens = 0;
    /// Of `input_tokens`, those written to the prompt cache (Anthropic, Gemini).
    std::int64_t cache_write_tokens = 0;
    /// Of `output_tokens`, those the model spent reasoning.
    std::int64_t reasoning_tokens = 0;

    Usage& operator+=(const Usage& other) noexcept {
        input_tokens += other.input_tokens;
        output_tokens += other.output_tokens;
        total_cost_usd += other.total_cost_usd;
        model_calls += other.model_calls;
        cost_estimated = cost_estimated || other.cost_estimated;
        cost_unknown = cost_unknown || other.cost_unknown;
        cached_input_tokens += other.cached_input_tokens;
        cache_write_tokens += other.cache_write_tokens;
        reasoning_tokens += other.reasoning_tokens;
        return *this;
    }
    friend Usage operator+(Usage a, const Usage& b) noexcept { return a += b; }
    friend bool operator==(const Usage&, const Usage&) = default;
};

/// Prints `input_tokens=… output_tokens=… total_cost_usd=… model_calls=…`, then the cache and
/// reasoning counts when there are any.
std::ostream& operator<<(std::ostream& os, const Usage& usage);

/// Where a call's cost comes from, from most to least certain.
enum class CostSource : std::uint8_t {
    billed,      ///< the answer's own `usage.cost` (for in-process models: their figure)
    generation,  ///< the answer had none: OpenRouter's bill, `GET /generation?id=`
    estimated,   ///< no bill either: the tokens at the catalogue's price
    unknown,     ///< none of these: the call counts $0 and `Usage::cost_unknown` is set
};

/// OpenRouter's `usage.cost_details`: what the upstream provider charged for the call.
struct CostDetails {
    double upstream_inference_cost = 0;
    double upstream_prompt_cost = 0;
    double upstream_completion_cost = 0;
    friend bool operator==(const CostDetails&, const CostDetails&) = default;
};

/// Why a call was made.
enum class CallPurpose : std::uint8_t {
    answer,   ///< one turn of the run's loop
    history,  ///< the history policy's own calls (a summary), as one record
};

/// One model call of a run, as billed: `Result::calls` and `ErrorAgent::calls()` hold one per
/// call, in order, and the run's `Usage` is their sum.
struct CallUsage {
    /// The model that answered (OpenRouter may route to another); the one asked when no answer
    /// came.
    std::string model{};
    /// The provider's generation id, when it has one.
    std::string generation_id{};
    /// This call's tokens and cost, all its HTTP attempts together; `model_calls` is 1.
    Usage usage{};
    CostSource cost_source = CostSource::billed;
    std::optional<CostDetails> cost_details{};
    /// From sending the request to the answer (or the error), back-offs included.
    std::chrono::microseconds latency{0};
    /// HTTP attempts the call took (retries of failed attempts included).
    int attempts = 1;
    /// The call ended in an error; what it was billed still counts.
    bool failed = false;
    CallPurpose purpose = CallPurpose::answer;
    /// The agent that made the call, as a path from the run's agent: "triage", or
    /// "research > web" for a call of an agent used as a tool (docs/multi-agent.md).
    std::string agent{};
};

/// What one agent of a run's tree spent: `usage_by_agent`.
struct AgentUsage {
    /// The agent's path, as in `CallUsage::agent`.
    std::string agent{};
    /// Its own calls only (not those of the agents it called).
    Usage usage{};
};

/// The calls grouped by agent, in the order each agent first called a model. Token and call
/// counts add up to the run's usage exactly; costs do up to floating-point rounding.
std::vector<AgentUsage> usage_by_agent(std::span<const CallUsage> calls);

/// "billed", "generation", "estimated", "unknown".
const char* to_string(CostSource source) noexcept;

}  // namespace agentroute
