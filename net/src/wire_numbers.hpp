#pragma once

// Numbers a server sends that become counts, money or times. Each is range-checked here before
// any conversion: a cast of a double outside the target's range is undefined behaviour, and a
// NaN, an infinity or a negative amount must never pass as a value.

#include <cmath>
#include <cstdint>
#include <optional>

namespace agentroute::net::detail {

/// `d` truncated to a whole number; nothing for NaN or outside int64's range, where a cast
/// would be undefined (a server may send `"index": 1e300`).
inline std::optional<std::int64_t> whole_number(double d) {
    if (!(d >= -9.2e18 && d <= 9.2e18)) return std::nullopt;
    return static_cast<std::int64_t>(d);
}

/// `d` when it is a finite amount of zero or more (money, a price); nothing otherwise.
inline std::optional<double> finite_amount(double d) {
    if (!std::isfinite(d) || d < 0) return std::nullopt;
    return d;
}

/// The longest wait a server's hint is kept as (a year): anything longer is "too long" all the
/// same, and this keeps `hint * 1000` far inside a millisecond count.
inline constexpr double longest_retry_hint_s = 365.0 * 24 * 3600;

/// A server's retry-after hint in seconds: -1 (no hint) for NaN or a negative value; a huge
/// one is clamped to `longest_retry_hint_s`, which still fails fast past `max_retry_after`.
inline double retry_hint_seconds(double s) {
    if (!(s >= 0)) return -1;
    return s > longest_retry_hint_s ? longest_retry_hint_s : s;
}

}  // namespace agentroute::net::detail
