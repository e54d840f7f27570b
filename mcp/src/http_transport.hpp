#pragma once

#include "rpc_session.hpp"
#include "transport.hpp"

#include <agentroute/mcp/mcp_client.hpp>

#include <memory>

namespace agentroute::mcp::detail {

/// The Streamable HTTP binding: each message its own POST (http:// over Beast, https:// over
/// the verified-TLS client), answered by JSON or by an SSE stream; the legacy revisions'
/// `Mcp-Session-Id`, and their resumed streams (`GET` with `Last-Event-ID` after the server's
/// `retry`) when a stream closes before its response.
std::unique_ptr<Transport> make_http_transport(Strand strand, HttpServer server, std::size_t max_message_bytes,
                                               std::chrono::milliseconds connect_timeout);

}  // namespace agentroute::mcp::detail
