#include "chat_facts.hpp"

#include <boost/json/parse.hpp>

namespace agentroute::testing::detail {

namespace json = boost::json;

ChatFacts read_chat_facts(std::string_view body, const json::storage_ptr& sp, boost::system::error_code& ec) {
    // Move-constructed, so the DOM stays in the caller's arena: assigning it would copy it to
    // the heap (a json::value keeps its own storage on assignment).
    ChatFacts facts{.request = json::parse(body, ec, sp)};
    if (ec) return facts;
    const json::object* root = facts.request.if_object();
    if (root == nullptr) {
        ec = make_error_code(boost::system::errc::invalid_argument);
        return facts;
    }
    if (const json::value* stream = root->if_contains("stream")) facts.stream = stream->is_bool() && stream->get_bool();
    if (const json::value* messages = root->if_contains("messages"); messages && messages->is_array()) {
        for (const json::value& m : messages->get_array()) {
            const json::value* role = m.is_object() ? m.get_object().if_contains("role") : nullptr;
            if (role && role->is_string() && role->get_string() == "tool") facts.tool_result_seen = true;
        }
    }
    const json::value* tools = root->if_contains("tools");
    if (tools == nullptr || !tools->is_array() || tools->get_array().empty()) return facts;
    facts.has_tools = true;
    const json::value& tool = tools->get_array()[0];
    const json::value* function = tool.is_object() ? tool.get_object().if_contains("function") : nullptr;
    if (function == nullptr || !function->is_object()) return facts;
    if (const json::value* name = function->get_object().if_contains("name"); name && name->is_string()) {
        facts.tool_name = name->get_string();
    }
    facts.parameters = function->get_object().if_contains("parameters");
    return facts;
}

}  // namespace agentroute::testing::detail
