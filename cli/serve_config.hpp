#pragma once

// The file `agentroute serve --config` reads: where to listen, the server's limits, the agents
// (model, instructions, limits, memory, history policy, MCP servers whose tools they use), and
// whether they are offered over MCP too. docs/serving.md shows it.

#include <agentroute/agent.hpp>
#include <agentroute/mcp/mcp_client.hpp>
#include <agentroute/serve/server.hpp>
#include <agentroute/telemetry/otlp_exporter.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <string>
#include <vector>

namespace agentroute::cli {

struct ServedAgentConfig {
    Agent<> agent;
    serve::AgentServeOptions options;
};

struct ServeConfig {
    serve::ServeOptions server{};
    /// Access log lines to standard output.
    bool access_log = true;
    std::vector<ServedAgentConfig> agents{};
    /// With a "telemetry" section: the exporter of the agents' spans, when it names an
    /// otlp_endpoint (`server.telemetry` holds the rest); shut down after the drain.
    std::shared_ptr<telemetry::OtlpExporter> exporter{};
    /// The MCP servers the agents' "mcp_servers" attach (closed after the drain).
    std::vector<std::shared_ptr<mcp::McpClient>> mcp_clients{};
};

/// Reads `path`; an OTLP exporter it asks for runs on `executor`. Relative memory paths are
/// from the file's folder. Throws `ErrorConfig` naming
/// the member for a file that cannot be read, is not JSON, or has a member of the wrong type
/// or one this format does not define (a misspelt limit must never serve without it).
ServeConfig read_serve_config(const std::string& path, const boost::asio::any_io_executor& executor);

/// The server with no file: one agent, "assistant", on `model`.
ServeConfig default_serve_config(const std::string& model);

}  // namespace agentroute::cli
