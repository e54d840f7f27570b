#pragma once

#include <agentroute/mcp/mcp_client.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace agentroute::mcp::detail {

/// The stateless revision this client speaks, and the session-based ones it falls back to
/// (newest first; the first is what `initialize` asks for).
inline constexpr std::string_view modern_version = "2026-07-28";
inline constexpr std::string_view legacy_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
/// `UnsupportedProtocolVersionError` of the stateless revision.
inline constexpr int unsupported_protocol_version = -32022;

/// The client's capabilities as both eras declare them.
boost::json::object client_capabilities(const McpClientOptions& options);
/// The stateless revision's `_meta` of every request: version, capabilities, client info.
boost::json::object modern_request_meta(const McpClientOptions& options);
boost::json::object initialize_params(const McpClientOptions& options);

struct Discovered {
    bool speaks_modern = false;
    std::string server_name;
};
Discovered read_discover_result(const boost::json::value& result);

struct Initialized {
    std::string protocol_version;
    std::string server_name;
};
/// Throws `ErrorMcp` for a result without a version, or with one this client does not speak.
Initialized read_initialize_result(const boost::json::value& result);

/// Appends one `tools/list` page's tools to `out` and returns its `nextCursor` ("" at the end).
/// Throws `ErrorMcp` for a malformed page; a tool without a name or schema is skipped.
std::string read_tools_page(const boost::json::value& result, std::vector<McpTool>& out);

/// A `tools/call` result. Throws `ErrorMcp` for one that is not a result object, or one that
/// asks for more input (the stateless revision's `input_required`, not supported).
McpToolResult read_tool_result(const boost::json::value& result);

}  // namespace agentroute::mcp::detail
