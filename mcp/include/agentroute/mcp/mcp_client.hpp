#pragma once

#include <agentroute/errors.hpp>
#include <agentroute/tool_source.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace agentroute::mcp {

/// An MCP server started as a child process and spoken to over its stdin and stdout.
struct StdioServer {
    /// The program, found on PATH when it has no '/'.
    std::string command;
    std::vector<std::string> args{};
    /// Added to (or replacing in) the environment the child inherits.
    std::vector<std::pair<std::string, std::string>> env{};
    /// The child's working directory; empty: ours.
    std::string working_directory{};
    /// How much of the child's stderr is kept (the last bytes), for `McpClient::server_log`.
    std::size_t log_tail_bytes = 64 * 1024;
};

/// An MCP server reached over Streamable HTTP (http:// or https://, TLS verified).
struct HttpServer {
    /// The MCP endpoint, e.g. "https://tools.example.com/mcp".
    std::string url;
    /// Sent with every request (e.g. {"Authorization", "Bearer ..."}).
    std::vector<std::pair<std::string, std::string>> headers{};
    /// A PEM file of extra trusted CAs (for a self-signed server).
    std::string ca_file{};
};

/// Which protocol revisions a client speaks to a server.
enum class ProtocolEra {
    /// Probe the stateless revision (2026-07-28, `server/discover`); on a legacy answer, fall
    /// back to the session-based ones (`initialize`, 2024-11-05 to 2025-11-25).
    detect,
    /// The stateless revision only.
    modern,
    /// The session-based revisions only (no probe).
    legacy,
};

/// What a server asks of the user (`elicitation/create`) and the answer given to it.
struct ElicitationRequest {
    std::string message;
    /// The JSON schema of the answer's `content` (a flat object of primitive fields).
    boost::json::object requested_schema;
};
struct ElicitationAnswer {
    /// "accept", "decline" or "cancel".
    std::string action = "decline";
    boost::json::object content{};
};

struct McpClientOptions {
    /// Prefixed to the server's tool names as the model sees them ("<prefix>__<tool>"), so
    /// that two servers cannot collide. Empty: the names as the server gives them.
    std::string tool_prefix{};
    /// Only these tools (the server's names); empty: all.
    std::vector<std::string> allow{};
    /// Never these tools (the server's names).
    std::vector<std::string> deny{};
    /// Longest wait for one tool call; the call is then cancelled at the server and ends in
    /// `ErrorMcp`. Progress notifications do not extend it.
    std::chrono::milliseconds call_timeout{60'000};
    /// Longest wait for any other request (the handshake, `tools/list`, `ping`) and for a
    /// server to start.
    std::chrono::milliseconds request_timeout{10'000};
    /// Largest single message accepted from the server (a stdio line, an HTTP body or an SSE
    /// event). A server that sends more is cut off with `ErrorMcp` and restarted on next use.
    std::size_t max_message_bytes = 16 * 1024 * 1024;
    ProtocolEra era = ProtocolEra::detect;
    /// Answers a server's `elicitation/create`; none: the client declares no elicitation
    /// capability, and such a request is refused.
    std::function<ElicitationAnswer(const ElicitationRequest&)> on_elicitation{};
    /// Name and version this client gives servers.
    std::string client_name = "agentroute";
    std::string client_version = "0.1.0";
};

/// A tool as an MCP server lists it.
struct McpTool {
    std::string name;
    std::string title{};
    std::string description{};
    /// Its `inputSchema`, as JSON text, unchanged.
    std::string input_schema{};
    /// Its `outputSchema` as JSON text, when it has one.
    std::string output_schema{};
};

/// What `tools/call` returned.
struct McpToolResult {
    /// The text parts of `content`, joined by newlines; other parts (images, audio, resources)
    /// are described in a line each.
    std::string text;
    /// `structuredContent`, when the tool returned any.
    std::optional<boost::json::value> structured{};
    /// `isError`: the tool ran and failed; the text says why.
    bool is_error = false;
    /// The raw `content` array.
    boost::json::array content{};
    /// The result's `_meta` (an agentroute server puts a run's usage at "agentroute/usage").
    boost::json::object meta{};
};

/// A `notifications/progress` of a call in flight.
struct McpProgress {
    double progress = 0;
    std::optional<double> total{};
    std::string message{};
};

/// How one `call_tool` goes.
struct CallOptions {
    /// Overrides `McpClientOptions::call_timeout` when set.
    std::optional<std::chrono::milliseconds> timeout{};
    /// Called on the caller's executor for each progress notification of the call.
    std::function<void(const McpProgress&)> on_progress{};
};

/// An MCP server's error or a failure to reach it: a crash, a hang, a malformed or oversized
/// message, a lost session. `code` is the JSON-RPC error code when the server sent one.
class ErrorMcp : public ErrorAgent {
public:
    ErrorMcp(const std::string& what, int code = 0, bool may_have_run = false)
        : ErrorAgent(what), code_(code), may_have_run_(may_have_run) {}
    /// The JSON-RPC error code, 0 when the failure was not an error response.
    int code() const noexcept { return code_; }
    /// The request reached the server before the failure (its effect may have happened), so it
    /// was not sent again.
    bool may_have_run() const noexcept { return may_have_run_; }

private:
    int code_;
    bool may_have_run_;
};

/// A client of one MCP server, shared by any number of runs at once.
///
/// Connects on first use (or `connect()`); after the server is lost (a crash, a broken
/// connection, an expired session) the next request starts or reconnects it. A request that
/// may have reached the server before it was lost is reported (`ErrorMcp::may_have_run`),
/// never sent again. Every wait is bounded (`McpClientOptions`).
///
/// As a `ToolSource` (`agent.tools(client)`) it offers the server's tools with their schemas
/// as the server gives them, listed at `connect()` and listed again whenever the server says
/// its list changed. A call's `isError` result goes back to the model as a tool error it may
/// correct; its progress reaches the run's events (`RunEvent::Kind::tool_progress`); a
/// cancelled run cancels its calls at the server.
class McpClient : public ToolSource, public std::enable_shared_from_this<McpClient> {
public:
    static std::shared_ptr<McpClient> stdio(boost::asio::any_io_executor executor, StdioServer server,
                                            McpClientOptions options = {});
    static std::shared_ptr<McpClient> http(boost::asio::any_io_executor executor, HttpServer server,
                                           McpClientOptions options = {});
    ~McpClient() override;

    /// Starts or reaches the server, agrees on a protocol revision and lists its tools.
    boost::asio::awaitable<void> connect();
    /// The server's tools, listed anew (all pages); also refreshes what the agent sees.
    boost::asio::awaitable<std::vector<McpTool>> list_tools();
    /// Calls `name` (the server's name) with `arguments`. Throws `ErrorMcp`.
    boost::asio::awaitable<McpToolResult> call_tool(std::string name, boost::json::object arguments,
                                                    CallOptions options = {});
    /// `ping` (legacy revisions; a modern server is asked `server/discover`).
    boost::asio::awaitable<void> ping();
    /// Ends the session (HTTP `DELETE`) or stops the child (stdin closed, then SIGTERM, then
    /// SIGKILL), failing the calls still in flight. The client may be connected again.
    boost::asio::awaitable<void> close();

    /// The negotiated protocol revision ("2025-11-25", "2026-07-28", ...); empty before
    /// `connect`.
    std::string protocol_version() const;
    /// The server's `serverInfo.name`.
    std::string server_name() const;
    /// The last bytes the child wrote to its stderr (stdio servers).
    std::string server_log() const;
    /// How many times the server was started or its session opened.
    int connections() const;

    std::shared_ptr<const std::vector<JsonTool>> current_tools() const override;
    /// Connects when the tools were never listed (a run that starts before `connect()`).
    boost::asio::awaitable<void> prepare() const override;

    struct Impl;

private:
    explicit McpClient(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

}  // namespace agentroute::mcp
