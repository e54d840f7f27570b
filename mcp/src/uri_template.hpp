#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string_view>

namespace agentroute::mcp::detail {

/// Matches `uri` against an RFC 6570 level-1 template (`test://items/{id}/data`): the values of
/// its variables, or nullopt. A value is never empty and holds no `/`, as simple expansion
/// would have encoded one.
std::optional<boost::json::object> match_uri_template(std::string_view uri_template, std::string_view uri);

}  // namespace agentroute::mcp::detail
