#pragma once

#include "rpc_session.hpp"
#include "transport.hpp"

#include <agentroute/mcp/mcp_client.hpp>

#include <memory>

namespace agentroute::mcp::detail {

/// The stdio binding: the server a child process, one JSON-RPC message per line on its stdin
/// and stdout (Asio stream descriptors: no thread per server), its stderr kept as a bounded
/// tail. A line longer than `max_message_bytes` or one that is not JSON ends the child.
std::unique_ptr<Transport> make_stdio_transport(Strand strand, StdioServer server, std::size_t max_message_bytes,
                                                std::chrono::milliseconds stop_timeout);

}  // namespace agentroute::mcp::detail
