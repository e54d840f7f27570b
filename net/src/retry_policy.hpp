#pragma once

#include <agentroute/net/retry_options.hpp>

#include <chrono>
#include <optional>

namespace agentroute::net::detail {

/// The wait before attempt `attempt + 1` (attempt counts from 0), or nothing when the failure
/// should be raised now. `retry_after_s` < 0 (or NaN) means the server gave no hint; a hint
/// longer than `max_retry_after` means fail now.
std::optional<std::chrono::milliseconds> retry_delay(const RetryOptions& options, int attempt,
                                                     bool retryable, double retry_after_s);

}  // namespace agentroute::net::detail
