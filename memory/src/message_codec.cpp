#include "message_codec.hpp"

#include <agentroute/detail/exact_json.hpp>
#include <agentroute/detail/reasoning_json.hpp>
#include <agentroute/errors.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace agentroute::detail {
namespace {

Role role_from(std::string_view name) {
    if (name == "system") return Role::system;
    if (name == "user") return Role::user;
    if (name == "assistant") return Role::assistant;
    if (name == "tool") return Role::tool;
    throw ErrorMemory("stored message has an unknown role '" + std::string(name) + "'");
}

std::string string_at(const boost::json::object& o, std::string_view key) {
    const boost::json::value* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::string encode_message(const Message& m) {
    boost::json::object o;
    o["role"] = to_string(m.role);
    o["content"] = m.content;
    if (!m.tool_calls.empty()) {
        boost::json::array calls;
        for (const ToolCall& c : m.tool_calls) {
            calls.push_back(boost::json::object{{"id", c.id}, {"name", c.name}, {"arguments", c.arguments}});
        }
        o["tool_calls"] = std::move(calls);
    }
    if (!m.tool_call_id.empty()) o["tool_call_id"] = m.tool_call_id;
    if (!m.tool_name.empty()) o["tool_name"] = m.tool_name;
    if (!m.reasoning.empty()) o["reasoning"] = m.reasoning;
    return boost::json::serialize(o);
}

Message decode_message(std::string_view json) {
    boost::system::error_code ec;
    boost::json::value v = detail::parse_json_exactly(json, ec);
    if (ec || !v.is_object()) throw ErrorMemory("stored message is not valid JSON");
    const auto& o = v.get_object();
    Message m;
    m.role = role_from(string_at(o, "role"));
    m.content = string_at(o, "content");
    m.tool_call_id = string_at(o, "tool_call_id");
    m.tool_name = string_at(o, "tool_name");
    m.reasoning = string_at(o, "reasoning");
    if (!m.reasoning.empty() && !is_reasoning_json(m.reasoning)) {
        // Sent back verbatim on the next request: a corrupt store must not add fields to it.
        throw ErrorMemory("stored message's reasoning is not the provider's reasoning JSON: the conversation is corrupt");
    }
    if (const auto* calls = o.if_contains("tool_calls"); calls && calls->is_array()) {
        for (const auto& c : calls->get_array()) {
            if (!c.is_object()) continue;
            m.tool_calls.push_back(ToolCall{string_at(c.get_object(), "id"),
                                            string_at(c.get_object(), "name"),
                                            string_at(c.get_object(), "arguments")});
        }
    }
    return m;
}

void require_answer_reasoning(std::span<const Message> messages) {
    for (std::size_t i = 0; i < messages.size(); ++i) {
        if (!messages[i].reasoning.empty() && !is_reasoning_json(messages[i].reasoning)) {
            throw std::invalid_argument("append_conversation: message " + std::to_string(i) +
                                        "'s reasoning is not a model's reasoning JSON (an object of "
                                        "\"reasoning\" and \"reasoning_details\")");
        }
    }
}

void require_whole_turns(std::span<const Message> messages) {
    for (std::size_t i = 0; i < messages.size(); ++i) {
        if (!messages[i].has_tool_calls()) continue;
        for (const ToolCall& call : messages[i].tool_calls) {
            const bool answered = std::any_of(messages.begin() + i + 1, messages.end(), [&](const Message& r) {
                return r.role == Role::tool && r.tool_call_id == call.id;
            });
            if (!answered) {
                throw std::invalid_argument("append_conversation: tool call '" + call.id +
                                            "' has no result; store whole turns only");
            }
        }
    }
}

}  // namespace agentroute::detail
