#pragma once

#include <agentroute/content.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentroute {

/// Who wrote a message. `developer` is OpenAI's name for instructions from the application
/// (OpenRouter maps it to a system message for providers that have no such role).
enum class Role : std::uint8_t { system, user, assistant, tool, developer };

/// Returns the wire name of a role ("system", "user", "assistant", "tool", "developer").
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
///
/// Content is `content` (one string) or, when `parts` is not empty, the parts (text, images,
/// files, audio), sent as the message's content array; `content` then holds the text of its
/// text parts, for whatever reads messages as text (history policies, logs, memory search).
/// `cache_control` marks the whole message as a prompt-caching breakpoint.
///
/// An assistant message with tool calls and no text is sent with `"content": null`: the form
/// OpenAI's reference documents for it, which every provider behind OpenRouter accepts, where
/// an empty string is a zero-length text block that Anthropic's own API refuses.
struct Message {
    Role role = Role::user;
    std::string content{};
    std::vector<ToolCall> tool_calls{};
    std::string tool_call_id{};
    std::string tool_name{};
    std::string reasoning{};
    /// The content as parts; when not empty these are sent, not `content`.
    std::vector<ContentPart> parts{};
    /// A prompt-caching breakpoint on the whole message.
    std::optional<CacheControl> cache_control{};

    /// A system message (instructions).
    static Message system(std::string text);
    /// A developer message (instructions from the application, OpenAI's newer role).
    static Message developer(std::string text);
    /// A user message.
    static Message user(std::string text);
    /// A user message of parts: `Message::user({content::text("What is this?"),
    /// content::image_file("photo.png")})`.
    static Message user(std::vector<ContentPart> parts);
    /// An assistant message with text and, optionally, tool calls.
    static Message assistant(std::string text, std::vector<ToolCall> calls = {});
    /// A tool result answering the call `call_id` of tool `name`.
    static Message tool_result(std::string call_id, std::string name, std::string text);
    /// A tool result of parts (text and images, for providers that take them in tool results).
    static Message tool_result(std::string call_id, std::string name, std::vector<ContentPart> parts);

    /// This message with a caching breakpoint on it.
    Message cached(CacheControl control = {}) &&;

    /// True for an assistant message that asks for at least one tool call.
    bool has_tool_calls() const noexcept { return role == Role::assistant && !tool_calls.empty(); }

    /// The text of a list of parts: its text parts joined by newlines.
    static std::string text_of(const std::vector<ContentPart>& parts);

    friend bool operator==(const Message&, const Message&) = default;
};

}  // namespace agentroute
