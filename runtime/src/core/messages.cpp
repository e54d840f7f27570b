#include <agentroute/messages.hpp>

namespace agentroute {

std::string_view to_string(Role role) noexcept {
    switch (role) {
        case Role::system: return "system";
        case Role::user: return "user";
        case Role::assistant: return "assistant";
        case Role::tool: return "tool";
        case Role::developer: return "developer";
    }
    return "user";
}

Message Message::system(std::string text) {
    Message m;
    m.role = Role::system;
    m.content = std::move(text);
    return m;
}

Message Message::developer(std::string text) {
    Message m;
    m.role = Role::developer;
    m.content = std::move(text);
    return m;
}

Message Message::user(std::vector<ContentPart> parts) {
    Message m;
    m.role = Role::user;
    m.content = text_of(parts);
    m.parts = std::move(parts);
    return m;
}

Message Message::tool_result(std::string call_id, std::string name, std::vector<ContentPart> parts) {
    Message m = tool_result(std::move(call_id), std::move(name), text_of(parts));
    m.parts = std::move(parts);
    return m;
}

Message Message::cached(CacheControl control) && {
    cache_control = std::move(control);
    return std::move(*this);
}

std::string Message::text_of(const std::vector<ContentPart>& parts) {
    std::string text;
    for (const ContentPart& p : parts) {
        if (p.kind != ContentPart::Kind::text) continue;
        if (!text.empty()) text += '\n';
        text += p.text;
    }
    return text;
}

Message Message::user(std::string text) {
    Message m;
    m.role = Role::user;
    m.content = std::move(text);
    return m;
}

Message Message::assistant(std::string text, std::vector<ToolCall> calls) {
    Message m;
    m.role = Role::assistant;
    m.content = std::move(text);
    m.tool_calls = std::move(calls);
    return m;
}

Message Message::tool_result(std::string call_id, std::string name, std::string text) {
    Message m;
    m.role = Role::tool;
    m.tool_call_id = std::move(call_id);
    m.tool_name = std::move(name);
    m.content = std::move(text);
    return m;
}

}  // namespace agentroute
