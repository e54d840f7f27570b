#include <agentroute/history/tool_pairs.hpp>

#include <algorithm>

namespace agentroute {
namespace {

bool answers(const Message& assistant, const Message& result) {
    return std::any_of(assistant.tool_calls.begin(), assistant.tool_calls.end(),
                       [&](const ToolCall& c) { return c.id == result.tool_call_id; });
}

// The tool messages directly after index i (an assistant message).
std::size_t results_end(std::span<const Message> messages, std::size_t i) {
    std::size_t j = i + 1;
    while (j < messages.size() && messages[j].role == Role::tool) ++j;
    return j;
}

}  // namespace

bool tool_pairs_intact(std::span<const Message> messages) noexcept {
    std::size_t i = 0;
    while (i < messages.size()) {
        const Message& m = messages[i];
        if (m.role == Role::tool) return false;  // not directly after an assistant's calls
        if (!m.has_tool_calls()) {
            ++i;
            continue;
        }
        const std::size_t end = results_end(messages, i);
        if (end - i - 1 != m.tool_calls.size()) return false;
        for (const ToolCall& call : m.tool_calls) {
            const auto n = std::count_if(messages.begin() + i + 1, messages.begin() + end,
                                         [&](const Message& r) { return r.tool_call_id == call.id; });
            if (n != 1) return false;
        }
        i = end;
    }
    return true;
}

std::vector<Message> repair_tool_pairs(std::span<const Message> messages) {
    std::vector<Message> out;
    out.reserve(messages.size());
    std::size_t i = 0;
    while (i < messages.size()) {
        const Message& m = messages[i];
        if (m.role == Role::tool) {  // orphan result
            ++i;
            continue;
        }
        out.push_back(m);
        if (!m.has_tool_calls()) {
            ++i;
            continue;
        }
        const std::size_t end = results_end(messages, i);
        std::vector<std::string_view> answered;
        for (std::size_t j = i + 1; j < end; ++j) {
            const Message& r = messages[j];
            const bool duplicate =
                std::find(answered.begin(), answered.end(), r.tool_call_id) != answered.end();
            if (answers(m, r) && !duplicate) {
                answered.push_back(r.tool_call_id);
                out.push_back(r);
            }
        }
        for (const ToolCall& call : m.tool_calls) {
            if (std::find(answered.begin(), answered.end(), call.id) == answered.end()) {
                out.push_back(Message::tool_result(call.id, call.name,
                                                   std::string(interrupted_tool_result)));
            }
        }
        i = end;
    }
    return out;
}

}  // namespace agentroute
