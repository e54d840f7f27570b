#pragma once

#include <agentroute/messages.hpp>

#include <span>
#include <string_view>
#include <vector>

namespace agentroute {

/// The text of a result synthesized for a tool call that never got one.
inline constexpr std::string_view interrupted_tool_result =
    "[interrupted] This tool call was interrupted before it returned a result; call it again "
    "if you still need it.";

/// True when every assistant tool call is answered by exactly one tool result among the tool
/// messages right after it, and no tool message stands anywhere else.
bool tool_pairs_intact(std::span<const Message> messages) noexcept;

/// A copy of `messages` in which each unanswered tool call gets a synthesized, clearly marked
/// result (`interrupted_tool_result`) and each orphan or duplicate tool result is dropped.
/// Deterministic and idempotent; an intact conversation comes back unchanged.
std::vector<Message> repair_tool_pairs(std::span<const Message> messages);

}  // namespace agentroute
