#pragma once

#include <agentroute/messages.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace agentroute::detail {

/// A message as stored: compact JSON with every field.
std::string encode_message(const Message& message);
/// The inverse of `encode_message`; throws `ErrorMemory` for text that is not a stored message.
Message decode_message(std::string_view json);

/// A record's tags as stored (a JSON array of strings), and back (what is not a string is skipped).
std::string encode_tags(const std::vector<std::string>& tags);
std::vector<std::string> decode_tags(const std::string& json);

/// Throws `std::invalid_argument` when a message's reasoning is not reasoning as a model's answer
/// gives it (detail::is_reasoning_json): it goes back verbatim in later requests.
void require_answer_reasoning(std::span<const Message> messages);

/// Throws `std::invalid_argument` unless `messages` are whole turns: every assistant message
/// with tool calls is followed by a result for each of its calls.
void require_whole_turns(std::span<const Message> messages);

}  // namespace agentroute::detail
