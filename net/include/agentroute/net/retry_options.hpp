#pragma once

#include <chrono>

namespace agentroute {

/// How the OpenRouter model retries transient failures (429, 5xx, availability errors,
/// refused connections): exponential backoff with jitter, honouring `Retry-After`.
struct RetryOptions {
    /// Attempts in all, the first included.
    int max_attempts = 4;
    std::chrono::milliseconds base_delay{500};
    std::chrono::milliseconds max_delay{8'000};
    /// A server asking to wait longer than this is not waited for: the typed error is raised
    /// at once (a `Retry-After: 600` must not hang a run for ten minutes).
    std::chrono::milliseconds max_retry_after{30'000};
};

}  // namespace agentroute
