#pragma once

// The built-in scenario's answers, written straight as bytes: the fake answers every request
// of a benchmark, so it must cost the client's side little next to the client itself.

#include <cstdint>
#include <string>
#include <string_view>

namespace agentroute::testkit::detail {

/// What OpenRouter streams while a model thinks, before the first event: an SSE comment.
inline constexpr std::string_view keepalive_comment = ": OPENROUTER PROCESSING\n\n";

struct ScenarioAnswer {
    std::string_view generation_id;
    std::string_view tool_name;  ///< empty: the answer is `text`
    std::string_view arguments;  ///< the tool call's arguments (JSON text)
    std::string_view text;
    std::int64_t prompt_tokens = 0;
    std::int64_t completion_tokens = 0;
    double cost = 0;
    bool cut_at_max_tokens = false;  ///< finish_reason "length": `text` was cut at max_tokens
    int tool_calls = 1;              ///< calls of `tool_name` in one answer (parallel tool calls)
};

/// A chat completion, after the blank lines OpenRouter sends while a model thinks.
std::string answer_body(const ScenarioAnswer& answer);

/// The same answer streamed: a keep-alive comment, delta events (the tool call's arguments in
/// three fragments, or the text in up to ten; cut between UTF-8 characters), a usage event and
/// `[DONE]`.
std::string answer_events(const ScenarioAnswer& answer);

}  // namespace agentroute::testkit::detail
