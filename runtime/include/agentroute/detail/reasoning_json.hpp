#pragma once

#include <string_view>

namespace agentroute::detail {

/// True when `text` is reasoning as a model's answer gives it (Message::reasoning): a JSON
/// object whose members are `reasoning` (a string) and `reasoning_details` (an array), either
/// or both, every number finite. Its members go back verbatim inside the next request's
/// assistant message, so nothing else may pass: a corrupt or hostile stored conversation could
/// otherwise add fields (`"role"`, `"content"`) to the request.
bool is_reasoning_json(std::string_view text);

}  // namespace agentroute::detail
