#include "retry_policy.hpp"

#include "wire_numbers.hpp"

#include <algorithm>
#include <random>

namespace agentroute::net::detail {

std::optional<std::chrono::milliseconds> retry_delay(const RetryOptions& options, int attempt,
                                                     bool retryable, double retry_after_s) {
    if (!retryable || attempt + 1 >= options.max_attempts) return std::nullopt;
    retry_after_s = retry_hint_seconds(retry_after_s);
    if (retry_after_s >= 0) {
        // Compared as seconds before any cast: a hint longer than max_retry_after fails fast.
        if (retry_after_s * 1000 > static_cast<double>(options.max_retry_after.count())) return std::nullopt;
        return std::chrono::milliseconds(static_cast<long long>(retry_after_s * 1000));
    }
    // Full jitter in [d/2, d], d doubling per attempt up to max_delay.
    const long long doubled = options.base_delay.count() << std::min(attempt, 20);
    const long long ceiling = std::min<long long>(doubled, options.max_delay.count());
    thread_local std::mt19937 rng{std::random_device{}()};
    std::uniform_int_distribution<long long> jitter(ceiling / 2, std::max(ceiling / 2, ceiling));
    return std::chrono::milliseconds(jitter(rng));
}

}  // namespace agentroute::net::detail
