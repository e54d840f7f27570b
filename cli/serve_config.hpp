#pragma once

// The file `agentroute serve --config` reads: where to listen, the server's limits, and the
// agents (model, instructions, limits, memory, history policy). docs/serving.md shows it.

#include <agentroute/agent.hpp>
#include <agentroute/serve/server.hpp>

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
};

/// Reads `path`. Relative memory paths are from the file's folder. Throws `ErrorConfig` naming
/// the member for a file that cannot be read, is not JSON, or has a member of the wrong type
/// or one this format does not define (a misspelt limit must never serve without it).
ServeConfig read_serve_config(const std::string& path);

/// The server with no file: one agent, "assistant", on `model`.
ServeConfig default_serve_config(const std::string& model);

}  // namespace agentroute::cli
