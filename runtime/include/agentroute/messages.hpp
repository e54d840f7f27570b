#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agentroute {

/// Who wrote a message.
enum class Role : std::uint8_t { system, user, assistant, tool };

/// Returns the wire name of a role ("system", "user", "assistant", "tool").
std::string_view to_string(Role role) noexcept;

/// One tool call requested by the model. `arguments` is the raw JSON text the model produced;
/// it is validated against the tool's schema only when the tool runs.
struct ToolCall {
    std::string id{};
    std::string name{};
    std::string arguments{};

    friend bool operator==(const ToolCall&, const ToolCall&) = default;
};

/// One message of a conversation.
///
/// Assistant messages may carry tool calls and provider reasoning; tool messages answer one
/// call by `tool_call_id`. `reasoning` holds the provider's `reasoning` and
/// `reasoning_details` members as opaque JSON text, sent back unchanged on the next request.
/// Only that form goes back (a JSON object of those two members): anything else is left out of
/// the request, refused by `Memory::append_conversation` and, read from a store, an
/// `ErrorMemory` (a corrupt conversation), so it can never add fields to a request.
struct Message {
    Role role = Role::user;
    std::string content{};
    std::vector<ToolCall> tool_calls{};
    std::string tool_call_id{};
    std::string tool_name{};
    std::string reasoning{};

    /// A system message (instructions).
    static Message system(std::string text);
    /// A user message.
    static Message user(std::string text);
    /// An assistant message with text and, optionally, tool calls.
    static Message assistant(std::string text, std::vector<ToolCall> calls = {});
    /// A tool result answering the call `call_id` of tool `name`.
    static Message tool_result(std::string call_id, std::string name, std::string text);

    /// True for an assistant message that asks for at least one tool call.
    bool has_tool_calls() const noexcept { return role == Role::assistant && !tool_calls.empty(); }

    friend bool operator==(const Message&, const Message&) = default;
};

}  // namespace agentroute
