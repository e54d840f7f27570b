#include "units.hpp"

namespace agentroute::detail {

Units split_units(std::span<const Message> messages) {
    Units out;
    std::size_t i = 0;
    while (i < messages.size()) {
        const Message& m = messages[i];
        if (m.role == Role::system || m.role == Role::developer) {
            out.pinned.push_back(i++);
            continue;
        }
        std::size_t end = i + 1;
        if (m.has_tool_calls()) {
            while (end < messages.size() && messages[end].role == Role::tool) ++end;
        }
        if (m.role == Role::user) out.latest_user = out.units.size();
        out.units.push_back(Unit{i, end, m.role == Role::user});
        i = end;
    }
    return out;
}

std::size_t estimate_tokens(const Message& m) noexcept {
    std::size_t chars = m.content.size() + m.reasoning.size() + m.tool_call_id.size();
    for (const ToolCall& c : m.tool_calls) chars += c.id.size() + c.name.size() + c.arguments.size();
    for (const ContentPart& p : m.parts) chars += detail::estimated_part_bytes(p) * 4 / 3;
    return chars / 4 + 4;  // ~4 characters a token; a few tokens of per-message framing
}

std::vector<Message> assemble(std::span<const Message> messages, const Units& split,
                              std::span<const std::size_t> kept_units) {
    std::vector<Message> out;
    std::size_t p = 0;
    auto flush_pinned_before = [&](std::size_t index) {
        while (p < split.pinned.size() && split.pinned[p] < index) out.push_back(messages[split.pinned[p++]]);
    };
    for (std::size_t u : kept_units) {
        const Unit& unit = split.units[u];
        flush_pinned_before(unit.begin);
        for (std::size_t i = unit.begin; i < unit.end; ++i) out.push_back(messages[i]);
    }
    flush_pinned_before(messages.size());
    return out;
}

}  // namespace agentroute::detail
