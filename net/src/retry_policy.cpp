#include "retry_policy.hpp"

#include <algorithm>
#include <random>

namespace agentroute::net::detail {

std::optional<std::chrono::milliseconds> retry_delay(const RetryOptions& options, int attempt,
                                                     bool retryable, double retry_after_s) {
    if (!retryable || attempt + 1 >= options.max_attempts) return std::nullopt;
    if (retry_after_s >= 0) {
        const auto asked = std::chrono::milliseconds(static_cast<long long>(retry_after_s * 1000));
        if (asked > options.max_retry_after) return std::nullopt;  // fail fast, typed
        return asked;
    }
    // Full jitter in [d/2, d], d doubling per attempt up to max_delay.
    const long long doubled = options.base_delay.count() << std::min(attempt, 20);
    const long long ceiling = std::min<long long>(doubled, options.max_delay.count());
    thread_local std::mt19937 rng{std::random_device{}()};
    std::uniform_int_distribution<long long> jitter(ceiling / 2, std::max(ceiling / 2, ceiling));
    return std::chrono::milliseconds(jitter(rng));
}

}  // namespace agentroute::net::detail
