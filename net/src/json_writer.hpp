#pragma once

#include <string>
#include <string_view>

namespace agentroute::net::detail {

/// Appends `text` to `out` as a JSON string literal (quoted, escaped).
void append_json_string(std::string& out, std::string_view text);

/// True when `text` is one complete, valid JSON value.
bool is_valid_json(std::string_view text);

}  // namespace agentroute::net::detail
