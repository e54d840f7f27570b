#pragma once

#include <agentroute/messages.hpp>

#include <functional>
#include <span>
#include <string>
#include <vector>

namespace agentroute {

/// What the agent taking over a conversation sees of the messages before the handoff (its own
/// instructions always replace the system message). The run's messages, the `Result` and a
/// stored conversation keep every message; the filter shapes the new agent's view only.
using HandoffInputFilter = std::function<std::vector<Message>(std::span<const Message> before)>;

/// How an agent hands a conversation to another: `Agent::handoff`.
struct HandoffOptions {
    /// What the model reads about the target in its transfer tool; the target's name and
    /// instructions' first line when empty.
    std::string description{};
    /// The transfer tool's name; "transfer_to_" and the target's name (letters, digits, `_`
    /// and `-` kept, others `_`) when empty.
    std::string tool_name{};
    /// Shapes what the target sees of the conversation so far; everything when null.
    HandoffInputFilter input_filter{};
};

/// One handoff of a run: `Result::handoffs`.
struct Handoff {
    std::string from{};
    std::string to{};
    /// The model calls of the run before it, across agents.
    int turn = 0;

    friend bool operator==(const Handoff&, const Handoff&) = default;
};

/// A ready-made `HandoffInputFilter`: the conversation without its tool traffic. An assistant
/// message's tool calls go with their results (never one without the other), and an assistant
/// message left with no text goes too; user and assistant text stays.
std::vector<Message> remove_tool_turns(std::span<const Message> before);

}  // namespace agentroute
