#include "uri_template.hpp"

#include <algorithm>

namespace agentroute::mcp::detail {

std::optional<boost::json::object> match_uri_template(std::string_view uri_template, std::string_view uri) {
    boost::json::object variables;
    std::string_view t = uri_template;
    std::string_view u = uri;
    while (!t.empty()) {
        const auto open = t.find('{');
        const std::string_view literal = t.substr(0, open);
        if (!u.starts_with(literal)) return std::nullopt;
        u.remove_prefix(literal.size());
        if (open == std::string_view::npos) break;
        const auto close = t.find('}', open);
        if (close == std::string_view::npos) return std::nullopt;  // a malformed template matches nothing
        const std::string_view name = t.substr(open + 1, close - open - 1);
        t.remove_prefix(close + 1);
        // The value runs to the next literal character (or the end), and stops at a '/'.
        const std::string_view next_literal = t.substr(0, t.find('{'));
        std::size_t end = u.size();
        if (!next_literal.empty()) end = std::min(end, u.find(next_literal.front()));
        end = std::min(end, u.find('/'));  // npos is larger than any position
        if (end == 0) return std::nullopt;
        variables[name] = u.substr(0, end);
        u.remove_prefix(end);
    }
    if (!u.empty()) return std::nullopt;
    return variables;
}

}  // namespace agentroute::mcp::detail
