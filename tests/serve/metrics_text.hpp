#pragma once

#include <chrono>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace agentroute::test {

/// The value of the sample `series` (name and labels exactly as exposed) in a Prometheus text
/// exposition; nullopt when absent.
inline std::optional<double> metric(std::string_view exposition, std::string_view series) {
    std::size_t at = 0;
    while ((at = exposition.find(series, at)) != std::string_view::npos) {
        const bool line_start = at == 0 || exposition[at - 1] == '\n';
        const std::size_t after = at + series.size();
        if (line_start && after < exposition.size() && exposition[after] == ' ') {
            const std::size_t end = exposition.find('\n', after);
            return std::stod(std::string(exposition.substr(after + 1, end - after - 1)));
        }
        at = after;
    }
    return std::nullopt;
}

/// Polls `exposition()` until `series` reads `value` (within `tolerance`) or two seconds pass;
/// returns the last reading. What a client saw done (a connection closed, a run answered) is
/// counted a moment later on the server.
template <class Exposition>
std::optional<double> metric_settles(Exposition exposition, std::string_view series, double value,
                                     double tolerance = 0) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (;;) {
        const auto reading = metric(exposition(), series);
        if ((reading && std::abs(*reading - value) <= tolerance) || std::chrono::steady_clock::now() >= deadline) {
            return reading;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

}  // namespace agentroute::test
