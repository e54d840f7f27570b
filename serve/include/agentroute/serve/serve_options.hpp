#pragma once

#include <agentroute/serve/tenant.hpp>
#include <agentroute/telemetry/telemetry.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentroute {
class Memory;
}
namespace agentroute::mcp {
class McpServer;
}

namespace agentroute::serve {

/// What happens to a run when its client goes away before the answer is written.
enum class OnDisconnect : std::uint8_t {
    /// Cancel the run (within 100 ms): no money is spent on an answer nobody reads. What was
    /// billed is still counted, and a stored conversation gets whole turns only.
    cancel,
    /// Finish the run and store it in the agent's memory (a conversation id is needed to read
    /// it back: `GET /v1/conversations/{id}`): for long turns over flaky links.
    finish,
};

/// HTTPS: a PEM certificate chain and its private key. TLS 1.2 and 1.3 only, with forward-secret
/// AEAD ciphers.
struct TlsFiles {
    std::string certificate_chain_file{};
    std::string private_key_file{};
};

/// How `Server` listens and protects itself. Every limit has a default a public server can
/// start with; fields only ever grow at the end.
struct ServeOptions {
    /// The address to listen on: "127.0.0.1", "::1", "0.0.0.0" or "::" (IPv6, and IPv4 where
    /// the system maps it).
    std::string host = "127.0.0.1";
    /// 0: a free port, read back with `Server::port()`.
    std::uint16_t port = 8080;
    /// Set: HTTPS only.
    std::optional<TlsFiles> tls{};

    /// Runs at once across all agents; a request past it gets 429 with `Retry-After`, never a
    /// queue.
    std::size_t max_concurrent_runs = 256;
    /// The `Retry-After` of a 429, in seconds.
    std::chrono::seconds retry_after{1};
    /// Open connections at once; past it a new connection is closed at once.
    std::size_t max_connections = 10'000;

    /// A request's head (request line and headers) past this is refused with 431.
    std::size_t max_header_bytes = 16 * 1024;
    /// A request body past this is refused with 413.
    std::size_t max_body_bytes = 4 * 1024 * 1024;
    /// A request's head and body must have arrived this long after its first byte (slow
    /// clients are closed).
    std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
    /// A keep-alive connection with no request for this long is closed.
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
    /// A client that takes longer than this to accept one write of the answer is closed (and
    /// treated as gone).
    std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};

    /// The default for every agent; a request may choose with the header
    /// `X-Agentroute-On-Disconnect: cancel|finish`.
    OnDisconnect on_disconnect = OnDisconnect::cancel;
    /// On `Server::drain()`: how long in-flight runs may take before they are cancelled.
    std::chrono::milliseconds drain_timeout{std::chrono::seconds(30)};

    /// Who may call `/v1/`: empty, anyone (put the server behind an authenticating proxy).
    std::vector<Tenant> tenants{};
    /// Where each tenant's spend per day is kept (namespace `agentroute.serve.ledger`): a
    /// `MemorySQLite` keeps budgets across restarts. Null: in RAM, for this process only.
    std::shared_ptr<Memory> ledger{};

    /// One JSON object per request (method, path, status, agent, tenant, bytes, duration,
    /// run outcome and cost), without its body or any credential. Unset: no access log.
    std::function<void(std::string_view line)> access_log{};

    /// The agents' telemetry (the one set as their `AgentOptions::tracer`): `/metrics` answers
    /// its metrics after the server's own. Either way a request's `traceparent` header becomes
    /// its run's `RunOptions::trace_parent`, so a traced agent's spans join the caller's trace.
    std::shared_ptr<telemetry::Telemetry> telemetry{};

    /// Set: the server also speaks MCP's Streamable HTTP transport at `mcp_path` (POST, GET,
    /// DELETE), offering what `mcp` holds (<agentroute/mcp/mcp_server.hpp>). Tenants, when set,
    /// authenticate there as on `/v1/`. On a loopback address only requests naming localhost
    /// (Host, Origin) are answered, against DNS rebinding.
    std::shared_ptr<mcp::McpServer> mcp{};
    std::string mcp_path = "/mcp";
};

}  // namespace agentroute::serve
