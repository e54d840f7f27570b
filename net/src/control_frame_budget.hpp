#pragma once

// How many SETTINGS and PING frames a server may send an HTTP/2 connection. Each one asks for
// an acknowledgement, so a flood of them keeps the client writing ACKs for nothing (an audit's
// server got 548,893 SETTINGS and 229,376 PINGs acknowledged in one attempt): servers cap them
// against such floods, and so does the client. A real server sends a handful per connection.

#include <chrono>
#include <cstdint>

namespace agentroute::net::detail {

class ControlFrameBudget {
public:
    /// More than this many in one second is a flood.
    static constexpr std::uint32_t max_per_second = 128;

    /// Counts one frame arriving at `now`; true once the second it falls in has had too many.
    bool flooded(std::chrono::steady_clock::time_point now) noexcept {
        if (now - window_start_ >= std::chrono::seconds(1)) {
            window_start_ = now;
            count_ = 0;
        }
        return ++count_ > max_per_second;
    }

private:
    std::chrono::steady_clock::time_point window_start_{};
    std::uint32_t count_ = 0;
};

}  // namespace agentroute::net::detail
