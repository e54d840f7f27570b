#pragma once

// OpenAI's chat-completions wire format as the server reads and writes it, without sockets:
// a request body into a run's prompt, history and settings; a run's answer into
// `chat.completion` and `chat.completion.chunk` objects.

#include "api_error.hpp"

#include <agentroute/content.hpp>
#include <agentroute/messages.hpp>
#include <agentroute/model_settings.hpp>
#include <agentroute/usage.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agentroute::serve::detail {

/// A `POST /v1/chat/completions` body, read.
struct ChatCall {
    std::string model{};
    /// The last user message: its text, and its other parts as attachments.
    std::string prompt{};
    std::vector<ContentPart> attachments{};
    /// The messages before it. A client's system messages come as developer messages: the
    /// agent's instructions stay first, and the client's are added under them.
    std::vector<Message> history{};
    bool stream = false;
    bool include_usage = false;
    /// What the client asked of sampling (temperature, top_p, seed, stop, max_tokens, ...).
    ModelSettings settings{};
};

/// Throws `ApiFailure` (400, naming the field) for a body that is not JSON, a field of the
/// wrong type, a field OpenAI does not define, client-side tools, or no user message last.
ChatCall read_chat_call(std::string_view body);

/// What identifies one answer in every object written for it.
struct AnswerIds {
    std::string id{};     // "chatcmpl-..."
    std::int64_t created = 0;
    std::string model{};  // the agent's name
};

/// The `usage` member: prompt / completion / total tokens, cached and reasoning tokens, and the
/// cost in USD (`cost`, as OpenRouter reports it).
void append_usage(std::string& out, const Usage& usage);

/// A whole non-streamed answer (`chat.completion`).
std::string completion_json(const AnswerIds& ids, std::string_view text, const Usage& usage);

/// One SSE event (`data: {...}\n\n`) of a streamed answer (`chat.completion.chunk`).
std::string role_chunk(const AnswerIds& ids);
void append_text_chunk(std::string& out, const AnswerIds& ids, std::string_view text);
std::string finish_chunk(const AnswerIds& ids);
std::string usage_chunk(const AnswerIds& ids, const Usage& usage);
/// An error after the answer's head went out: the openai SDKs raise it from the stream.
std::string error_event(const ApiError& error);
/// A comment line (ignored by SSE clients): tool progress, "tool lookup started".
std::string progress_comment(std::string_view what);
inline constexpr std::string_view done_event = "data: [DONE]\n\n";

/// `GET /v1/models`.
std::string models_json(const std::vector<std::string>& names, std::int64_t created);

/// `GET /v1/conversations/{id}`: `{"object":"conversation","id":…,"messages":[…]}` in the
/// chat-completions message shape.
std::string conversation_json(std::string_view id, const std::vector<Message>& messages);

}  // namespace agentroute::serve::detail
