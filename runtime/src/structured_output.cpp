#include <agentroute/detail/exact_json.hpp>
#include <agentroute/detail/structured_output.hpp>

#include <boost/json/parse.hpp>

namespace agentroute::detail {

std::string_view strip_json_fence(std::string_view text) noexcept {
    auto trim = [](std::string_view s) {
        const auto first = s.find_first_not_of(" \t\r\n");
        if (first == std::string_view::npos) return std::string_view{};
        return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
    };
    text = trim(text);
    if (text.substr(0, 3) != "```") return text;
    const auto newline = text.find('\n');
    const auto close = text.rfind("```");
    if (newline == std::string_view::npos || close <= newline) return text;
    return trim(text.substr(newline + 1, close - newline - 1));
}

boost::json::value parse_output_json(std::string_view text) {
    boost::system::error_code ec;
    boost::json::value value = detail::parse_json_exactly(text, ec);
    if (ec) {
        throw Retry("Your final answer is not valid JSON (" + ec.message() +
                    "). Answer again with only a JSON object that follows the required schema.");
    }
    return value;
}

}  // namespace agentroute::detail
