#include <agentroute/detail/reasoning_json.hpp>

#include <agentroute/detail/exact_json.hpp>
#include <agentroute/detail/finite_json.hpp>

#include <boost/json/object.hpp>

namespace agentroute::detail {

bool is_reasoning_json(std::string_view text) {
    boost::system::error_code ec;
    const boost::json::value v = parse_json_exactly(text, ec);
    if (ec || !v.is_object() || v.get_object().empty() || !all_numbers_finite(v)) return false;
    for (const auto& member : v.get_object()) {
        const bool known = (member.key() == "reasoning" && member.value().is_string()) ||
                           (member.key() == "reasoning_details" && member.value().is_array());
        if (!known) return false;
    }
    return true;
}

}  // namespace agentroute::detail
