#pragma once

#include <optional>
#include <string>
#include <string_view>

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

}  // namespace agentroute::test
