#pragma once

#include <agentroute/messages.hpp>

#include <span>
#include <string>
#include <string_view>

namespace agentroute::detail {

/// A message as stored: compact JSON with every field.
std::string encode_message(const Message& message);
/// The inverse of `encode_message`; throws `ErrorMemory` for text that is not a stored message.
Message decode_message(std::string_view json);

/// Throws `std::invalid_argument` when a message's reasoning is not reasoning as a model's answer
/// gives it (detail::is_reasoning_json): it goes back verbatim in later requests.
void require_answer_reasoning(std::span<const Message> messages);

/// Throws `std::invalid_argument` unless `messages` are whole turns: every assistant message
/// with tool calls is followed by a result for each of its calls.
void require_whole_turns(std::span<const Message> messages);

}  // namespace agentroute::detail
