#pragma once

// Agents and tools offered to MCP clients: the server half of <agentroute/mcp/mcp_client.hpp>.
// Streamable HTTP through `serve::Server` (`ServeOptions::mcp`), or one client on stdin/stdout
// (`McpServer::serve_stdio`). See docs/mcp.md.

#include <agentroute/agent.hpp>
#include <agentroute/detail/output_text.hpp>
#include <agentroute/mcp/mcp_client.hpp>
#include <agentroute/tool_source.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace agentroute::mcp {

namespace detail {
struct ServerCall;
class ServerCore;
}  // namespace detail

/// `notifications/message` severities, lowest first (RFC 5424's, as MCP names them).
enum class McpLogLevel : std::uint8_t { debug, info, notice, warning, error, critical, alert, emergency };

/// What a handler of the server sees of the client's request, and how it talks back while it
/// runs. Valid until the handler returns.
class McpCall {
public:
    explicit McpCall(std::shared_ptr<detail::ServerCall> call) : call_(std::move(call)) {}

    /// `tools/call`'s `arguments`, `prompts/get`'s `arguments`; empty elsewhere.
    const boost::json::object& arguments() const noexcept;
    /// The request's `_meta` as the client sent it.
    const boost::json::object& meta() const noexcept;
    /// What the client declared in `initialize` (`sampling`, `elicitation`, `roots`).
    const boost::json::object& client_capabilities() const noexcept;

    /// Sends `notifications/progress` when the client asked for progress (a `progressToken` in
    /// `_meta`); otherwise does nothing.
    void progress(double progress, std::optional<double> total = std::nullopt, std::string message = {});
    /// Sends `notifications/message` when `level` is at least the client's `logging/setLevel`
    /// (info until it sets one).
    void log(McpLogLevel level, boost::json::value data, std::string logger = {});

    /// A request to the client on behalf of this call (`sampling/createMessage`,
    /// `elicitation/create`, `roots/list`): its result. Throws `ErrorMcp` (code 0: uncaught, the
    /// call's `isError` result) for an error answer,
    /// for a client that did not declare the capability, or for no answer within
    /// `McpServerOptions::client_request_timeout`; `ErrorCancelled` when the call is cancelled.
    boost::asio::awaitable<boost::json::object> ask_client(std::string method, boost::json::object params);

    /// Streamable HTTP: ends the response now (SSE polling); the client reconnects with
    /// `Last-Event-ID` after `retry` and receives the rest of the call there. On stdio: nothing.
    void end_stream(std::chrono::milliseconds retry = std::chrono::milliseconds(500));

private:
    std::shared_ptr<detail::ServerCall> call_;
};

/// A `CallToolResult` of one text block (`isError` when `is_error`).
boost::json::object text_result(std::string_view text, bool is_error = false);

/// A tool of the server. `handler` returns the whole `CallToolResult` (`content`, and
/// `structuredContent`, `isError`, `_meta` as it likes). A throw from it becomes an `isError`
/// result with the exception's message; an `ErrorMcp` with a code becomes that JSON-RPC error.
struct McpServerTool {
    std::string name{};
    std::string description{};
    /// JSON Schema text, offered as written (`$schema`, `$defs`, `$ref` and the rest kept).
    std::string input_schema = R"({"type":"object"})";
    /// Empty: none declared.
    std::string output_schema{};
    std::function<boost::asio::awaitable<boost::json::object>(McpCall&)> handler{};
};

/// A resource at a fixed URI; `read` returns `contents` (objects with `uri` and `text` or
/// `blob`).
struct McpResource {
    std::string uri{};
    std::string name{};
    std::string description{};
    std::string mime_type{};
    std::function<boost::asio::awaitable<boost::json::array>(McpCall&, const std::string& uri)> read{};
};

/// Resources named by an RFC 6570 level-1 template (`test://items/{id}`); `read` gets the URI
/// and the values of its variables.
struct McpResourceTemplate {
    std::string uri_template{};
    std::string name{};
    std::string description{};
    std::string mime_type{};
    std::function<boost::asio::awaitable<boost::json::array>(McpCall&, const std::string& uri,
                                                             const boost::json::object& variables)>
        read{};
};

struct McpPromptArgument {
    std::string name{};
    std::string description{};
    bool required = false;
};

/// A prompt; `get` returns its `messages` (`McpCall::arguments()` holds the client's values).
/// A required argument missing is refused before `get` runs.
struct McpPrompt {
    std::string name{};
    std::string description{};
    std::vector<McpPromptArgument> arguments{};
    std::function<boost::asio::awaitable<boost::json::array>(McpCall&)> get{};
};

/// `completion/complete`: values for `argument` of `ref` (a `ref/prompt` or
/// `ref/resource`) starting from `value`, best first.
using McpCompleter = std::function<boost::asio::awaitable<std::vector<std::string>>(
    const boost::json::object& ref, const std::string& argument, const std::string& value)>;

/// How an agent is offered as a tool.
struct McpAgentToolOptions {
    /// The tool's name; the agent's `AgentOptions::name` when empty.
    std::string name{};
    /// What the client's model reads; "Ask the agent <name>." when empty.
    std::string description{};
};

struct McpServerOptions {
    /// `serverInfo`.
    std::string name = "agentroute";
    std::string version = "0.1.0";
    /// `initialize`'s `instructions`; empty: none.
    std::string instructions{};
    /// How long a request to the client (`McpCall::ask_client`) waits for its answer.
    std::chrono::milliseconds client_request_timeout{std::chrono::minutes(5)};
    /// Streamable HTTP: a session unused this long is ended.
    std::chrono::milliseconds session_idle_timeout{std::chrono::minutes(30)};
    /// Streamable HTTP: sessions at once; an `initialize` past it is refused with 503.
    std::size_t max_sessions = 10'000;
    /// Streamable HTTP: what one call's stream keeps for a client to resume with
    /// `Last-Event-ID`; past it the oldest events go.
    std::size_t max_replay_bytes = 4 * 1024 * 1024;
    /// stdio: a line from the client longer than this ends the session.
    std::size_t max_message_bytes = 16 * 1024 * 1024;
};

/// The catalogue an MCP client sees (tools, agents as tools, resources, prompts) and the
/// protocol around it: both session-based revisions' lifecycle (2024-11-05 .. 2025-11-25),
/// `tools/*`, `resources/*` (with subscriptions), `prompts/*`, `completion/complete`,
/// `logging/setLevel`, `ping`, progress, cancellation, and requests to the client from inside
/// a call. Register everything before serving; one server serves any number of sessions.
///
///     auto mcp = std::make_shared<mcp::McpServer>();
///     mcp->agent(support_agent);             // a tool: {"input": "..."} in, the answer out
///     serve::ServeOptions options;
///     options.mcp = mcp;                     // POST/GET/DELETE /mcp
class McpServer {
public:
    /// Handlers run on strands of the executor of the transport that received the request
    /// (the HTTP connection's, `serve_stdio`'s caller's).
    explicit McpServer(McpServerOptions options = {});

    /// Throws `ErrorConfig` for a name already offered or empty, or a schema that is not a JSON
    /// object.
    McpServer& tool(McpServerTool tool);
    /// A tool of an agent (`Agent::json_tools()`), called outside any run: its `RunContext` has
    /// the handler's executor, no memory and no dependencies. `Retry` and argument mismatches
    /// are `isError` results.
    McpServer& tool(JsonTool tool);
    /// `agent` as a tool: `{"input": string}` in, its answer out (the text, and for a typed
    /// agent the output as `structuredContent`), its usage in the result's
    /// `_meta["agentroute/usage"]`. A failed run is an `isError` result that still carries the
    /// usage spent. `notifications/cancelled` cancels the run.
    template <class T>
    McpServer& agent(const Agent<T>& agent, McpAgentToolOptions options = {}) {
        return agent_tool(agent.options().name, std::move(options), structured_schema<T>(), runner_of(agent));
    }
    McpServer& resource(McpResource resource);
    McpServer& resource_template(McpResourceTemplate resource_template);
    McpServer& prompt(McpPrompt prompt);
    McpServer& completer(McpCompleter completer);

    /// Serves one client on the process's stdin and stdout (newline-delimited JSON-RPC) until
    /// stdin ends; calls still running then are cancelled. `in_fd`/`out_fd` for other pipes.
    boost::asio::awaitable<void> serve_stdio(int in_fd = 0, int out_fd = 1);

    /// Streamable HTTP sessions open now.
    std::size_t sessions() const;

    /// What `serve::Server` serves from.
    const std::shared_ptr<detail::ServerCore>& core() const noexcept { return core_; }

    /// What an agent's run gave: the answer, its usage, and the error when it failed.
    struct AgentAnswer {
        std::string text{};
        std::optional<boost::json::value> structured{};
        Usage usage{};
        std::string error{};
    };
    using AgentRunner = std::function<boost::asio::awaitable<AgentAnswer>(std::string prompt)>;

private:
    template <class T>
    static std::string structured_schema() {
        if constexpr (std::is_same_v<T, std::string>) {
            return {};
        } else {
            return json_schema<T>();
        }
    }

    template <class T>
    static AgentRunner runner_of(const Agent<T>& agent) {
        return [agent](std::string prompt) -> boost::asio::awaitable<AgentAnswer> {
            AgentAnswer answer;
            try {
                RunOptions options;
                Result<T> result = co_await agent.run(std::move(prompt), std::move(options));
                answer.usage = result.usage;
                answer.text = agentroute::detail::output_text(result.output);
                if constexpr (!std::is_same_v<T, std::string>) answer.structured = agentroute::detail::to_json(result.output);
            } catch (const ErrorAgent& e) {
                answer.usage = e.usage();
                answer.error = e.what();
            }
            co_return answer;
        };
    }

    McpServer& agent_tool(const std::string& agent_name, McpAgentToolOptions options, std::string output_schema,
                          AgentRunner runner);

    std::shared_ptr<detail::ServerCore> core_;
};

}  // namespace agentroute::mcp
