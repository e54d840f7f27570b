#pragma once

#include <agentroute/messages.hpp>

#include <span>
#include <string>
#include <string_view>

namespace agentroute::telemetry::detail {

// The opt-in content attributes, as JSON in the shapes the GenAI conventions define
// (gen-ai-input-messages.json, gen-ai-output-messages.json, gen-ai-system-instructions.json).

/// `gen_ai.input.messages`: every message but the system one, as role and parts.
std::string input_messages_json(std::span<const Message> messages);
/// `gen_ai.output.messages`: the answer, with its finish reason.
std::string output_messages_json(const Message& answer, std::string_view finish_reason);
/// `gen_ai.system_instructions`: the instructions as one text part.
std::string system_instructions_json(std::string_view instructions);

}  // namespace agentroute::telemetry::detail
