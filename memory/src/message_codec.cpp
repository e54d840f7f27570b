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
    if (name == "developer") return Role::developer;
    throw ErrorMemory("stored message has an unknown role '" + std::string(name) + "'");
}

std::string string_at(const boost::json::object& o, std::string_view key) {
    const boost::json::value* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

constexpr std::string_view kind_names[] = {"text", "image", "file", "audio", "video", "raw"};

boost::json::object encode_cache(const CacheControl& c) {
    boost::json::object o{{"type", c.type}};
    if (!c.ttl.empty()) o["ttl"] = c.ttl;
    return o;
}

std::optional<CacheControl> decode_cache(const boost::json::object& o) {
    const auto* c = o.if_contains("cache_control");
    if (!c) return std::nullopt;
    if (!c->is_object()) throw ErrorMemory("stored message's cache_control is not an object: the conversation is corrupt");
    return CacheControl{string_at(c->get_object(), "type"), string_at(c->get_object(), "ttl")};
}

boost::json::object encode_part(const ContentPart& p) {
    boost::json::object o{{"kind", kind_names[static_cast<std::size_t>(p.kind)]}};
    auto put = [&](std::string_view key, const std::string& value) {
        if (!value.empty()) o[key] = value;
    };
    put("text", p.text);
    put("url", p.url);
    put("detail", p.detail);
    put("filename", p.filename);
    put("data", p.data);
    put("format", p.format);
    if (p.cache_control) o["cache_control"] = encode_cache(*p.cache_control);
    return o;
}

ContentPart decode_part(const boost::json::value& v) {
    if (!v.is_object()) throw ErrorMemory("stored message part is not an object: the conversation is corrupt");
    const auto& o = v.get_object();
    const std::string kind = string_at(o, "kind");
    const auto* found = std::find(std::begin(kind_names), std::end(kind_names), kind);
    if (found == std::end(kind_names)) {
        throw ErrorMemory("stored message part has an unknown kind '" + kind + "': the conversation is corrupt");
    }
    ContentPart p;
    p.kind = static_cast<ContentPart::Kind>(found - std::begin(kind_names));
    p.text = string_at(o, "text");
    p.url = string_at(o, "url");
    p.detail = string_at(o, "detail");
    p.filename = string_at(o, "filename");
    p.data = string_at(o, "data");
    p.format = string_at(o, "format");
    p.cache_control = decode_cache(o);
    if (p.kind == ContentPart::Kind::raw) {
        // Sent as it is: a corrupt store must not put anything but one JSON object in a request.
        try {
            std::optional<CacheControl> cache = std::move(p.cache_control);
            p = content::raw(std::move(p.text));
            p.cache_control = std::move(cache);
        } catch (const std::invalid_argument&) {
            throw ErrorMemory("stored raw message part is not a JSON object with a type: the conversation is corrupt");
        }
    }
    return p;
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
    if (!m.parts.empty()) {
        boost::json::array parts;
        for (const ContentPart& p : m.parts) parts.push_back(encode_part(p));
        o["parts"] = std::move(parts);
    }
    if (m.cache_control) o["cache_control"] = encode_cache(*m.cache_control);
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
    if (const auto* parts = o.if_contains("parts")) {
        if (!parts->is_array()) throw ErrorMemory("stored message's parts are not an array: the conversation is corrupt");
        for (const auto& p : parts->get_array()) m.parts.push_back(decode_part(p));
    }
    m.cache_control = decode_cache(o);
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

std::string encode_tags(const std::vector<std::string>& tags) {
    boost::json::array a;
    for (const auto& t : tags) a.emplace_back(t);
    return boost::json::serialize(a);
}

std::vector<std::string> decode_tags(const std::string& json) {
    std::vector<std::string> tags;
    boost::system::error_code ec;
    auto v = detail::parse_json_exactly(json, ec);
    if (!ec && v.is_array()) {
        for (const auto& t : v.get_array()) {
            if (t.is_string()) tags.emplace_back(t.get_string());
        }
    }
    return tags;
}

}  // namespace agentroute::detail
