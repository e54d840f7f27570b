#include "partial_json.hpp"

#include <agentroute/detail/exact_json.hpp>
#include <agentroute/detail/finite_json.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace agentroute::detail {
namespace {

// Past this, an answer is re-scanned no more: the final output comes with `completed`.
constexpr std::size_t max_followed_bytes = 256 * 1024;

std::optional<std::string> normalized(std::string_view json) {
    boost::system::error_code ec;
    boost::json::value v = detail::parse_json_exactly(json, ec);
    if (ec || !v.is_object() || v.get_object().empty()) return std::nullopt;
    if (!all_numbers_finite(v)) return std::nullopt;  // no JSON can say it (found by fuzzing)
    return boost::json::serialize(v);
}

}  // namespace

std::optional<std::string> complete_members(std::string_view text) {
    const std::size_t start = text.find('{');
    if (start == std::string_view::npos) return std::nullopt;
    int depth = 0;
    bool in_string = false, escaped = false;
    std::size_t cut = std::string_view::npos;  // the last comma between top-level members
    for (std::size_t i = start; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        switch (c) {
            case '"': in_string = true; break;
            case '{':
            case '[': ++depth; break;
            case '}':
            case ']':
                if (--depth == 0) return normalized(text.substr(start, i + 1 - start));
                if (depth < 0) return std::nullopt;
                break;
            case ',':
                if (depth == 1) cut = i;
                break;
            default: break;
        }
    }
    if (cut == std::string_view::npos) return std::nullopt;
    std::string closed(text.substr(start, cut - start));
    closed += '}';
    return normalized(closed);
}

std::optional<std::string> PartialOutput::feed(std::string_view fragment) {
    if (text_.size() > max_followed_bytes) return std::nullopt;
    text_.append(fragment);
    // A member completes only at a comma or a closing bracket.
    if (fragment.find_first_of(",}]") == std::string_view::npos) return std::nullopt;
    std::optional<std::string> members = complete_members(text_);
    if (!members || *members == last_) return std::nullopt;
    last_ = *members;
    return members;
}

}  // namespace agentroute::detail
