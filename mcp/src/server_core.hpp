#pragma once

// The server's catalogue and its sessions. A session is one client's conversation: what it
// negotiated, its requests in flight, and the requests the server put to it. Transports (the
// HTTP route in serve/, stdio here) hand it messages and carry back what it sends.

#include "event_stream.hpp"

#include <agentroute/mcp/mcp_server.hpp>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace agentroute::mcp::detail {

/// What `McpServer` offers; read-only once serving has begun.
struct Registry {
    std::vector<McpServerTool> tools;
    std::vector<McpResource> resources;
    std::vector<McpResourceTemplate> templates;
    std::vector<McpPrompt> prompts;
    McpCompleter completer;

    const McpServerTool* find_tool(std::string_view name) const;
    const McpPrompt* find_prompt(std::string_view name) const;
};

/// The revisions a client may ask for in `initialize`, newest first.
inline constexpr std::string_view served_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
bool is_served_version(std::string_view version);

class ServerSession;

/// One request being handled.
struct ServerCall {
    std::shared_ptr<ServerSession> session;
    std::shared_ptr<Sink> sink;
    boost::json::object params;
    boost::json::object arguments;
    boost::json::object meta;
    boost::json::value progress_token;  // null: none asked
    /// What the client declared in `initialize` (shared: one per session).
    std::shared_ptr<const boost::json::object> client_capabilities;
};

/// What sessions read: the options and the catalogue. Apart from ServerCore, which holds the
/// sessions, so that a session never keeps its server (nor itself) alive.
struct ServerCatalog {
    explicit ServerCatalog(McpServerOptions o) : options(std::move(o)) {}
    const McpServerOptions options;
    Registry registry;
};

class ServerSession : public std::enable_shared_from_this<ServerSession> {
public:
    using Clock = std::chrono::steady_clock;

    ServerSession(std::shared_ptr<const ServerCatalog> catalog, std::string id);

    const std::string& id() const noexcept { return id_; }

    /// One message from the client, from any thread. A request is handled on a strand of its
    /// own on `executor`; its answer and what it sends meanwhile go to `sink`, finished at the
    /// end. Notifications and responses need no sink.
    void receive(boost::json::object message, std::shared_ptr<Sink> sink, const boost::asio::any_io_executor& executor);

    /// Cancels every request in flight and fails every request put to the client (the session
    /// ends: DELETE, stdin closed, the server dropped it).
    void end();
    /// Cancels one request in flight (`notifications/cancelled`, a drain).
    void cancel(const boost::json::value& request_id);

    /// Streamable HTTP: a new stream for one request, kept for resumption; and the one
    /// `Last-Event-ID` names (`<stream>-<n>`: `after` gets n), null when it is gone.
    std::shared_ptr<EventStream> new_stream();
    std::shared_ptr<EventStream> stream_of_event(std::string_view last_event_id, std::uint64_t& after);
    /// The stream of the standalone GET: messages not tied to a request.
    std::shared_ptr<EventStream> listen_stream();

    void touch() { last_used_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed); }
    Clock::time_point last_used() const { return Clock::time_point(Clock::duration(last_used_.load(std::memory_order_relaxed))); }
    std::string protocol_version() const;

    // For McpCall.
    void send_log(const ServerCall& call, McpLogLevel level, boost::json::value data, const std::string& logger);
    boost::asio::awaitable<boost::json::object> ask_client(const ServerCall& call, std::string method,
                                                           boost::json::object params);

private:
    struct InFlight {
        boost::asio::any_io_executor executor;
        std::shared_ptr<boost::asio::cancellation_signal> signal;
        std::shared_ptr<std::atomic<bool>> cancelled;
    };
    struct Ask {
        std::shared_ptr<Wakeup> wake;
        bool answered = false;
        bool failed = false;
        boost::json::object result;
        std::string error;
        int code = 0;
    };

    static void cancel_in_flight(const InFlight& target);
    static boost::asio::awaitable<void> handle_request(std::shared_ptr<ServerSession> self, boost::json::value id,
                                                       std::string key, std::string method,
                                                       std::shared_ptr<ServerCall> call,
                                                       std::shared_ptr<std::atomic<bool>> cancelled);
    boost::asio::awaitable<boost::json::value> dispatch(const std::string& method, std::shared_ptr<ServerCall> call);
    boost::json::value initialize(const ServerCall& call);
    boost::json::value set_log_level(const ServerCall& call);
    boost::json::value subscribe(const ServerCall& call, bool on);
    boost::asio::awaitable<boost::json::value> call_tool(std::shared_ptr<ServerCall> call);
    boost::asio::awaitable<boost::json::value> read_resource(std::shared_ptr<ServerCall> call);
    boost::asio::awaitable<boost::json::value> get_prompt(std::shared_ptr<ServerCall> call);
    boost::asio::awaitable<boost::json::value> complete(std::shared_ptr<ServerCall> call);
    void receive_notification(const std::string& method, const boost::json::object& params);
    void receive_response(const boost::json::object& message);

    const std::shared_ptr<const ServerCatalog> core_;
    const std::string id_;
    std::atomic<Clock::rep> last_used_;

    mutable std::mutex mutex_;
    std::string version_;
    std::shared_ptr<const boost::json::object> client_capabilities_ = std::make_shared<const boost::json::object>();
    McpLogLevel log_level_ = McpLogLevel::info;
    std::set<std::string, std::less<>> subscriptions_;
    std::map<std::string, InFlight, std::less<>> in_flight_;  // by serialized request id
    std::map<std::int64_t, std::shared_ptr<Ask>> asks_;
    std::int64_t next_ask_ = 1;
    std::map<std::uint64_t, std::shared_ptr<EventStream>> streams_;
    std::uint64_t next_stream_ = 1;
    std::shared_ptr<EventStream> listen_;
    bool ended_ = false;
};

class ServerCore {
public:
    explicit ServerCore(McpServerOptions o)
        : catalog(std::make_shared<ServerCatalog>(std::move(o))), options(catalog->options), registry(catalog->registry) {}

    const std::shared_ptr<ServerCatalog> catalog;
    const McpServerOptions& options;
    Registry& registry;

    /// Streamable HTTP: a new session, or null at `max_sessions` (idle ones are ended first).
    std::shared_ptr<ServerSession> open_session();
    std::shared_ptr<ServerSession> find_session(std::string_view id);
    /// Ends and forgets it; false when there was none.
    bool close_session(std::string_view id);
    std::size_t session_count() const;

private:
    void end_idle_sessions();  // mutex_ held

    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<ServerSession>, std::less<>> sessions_;
};

/// A JSON-RPC error a handler raises: becomes the request's error answer.
struct RpcError {
    int code;
    std::string message;
};

std::string rpc_result(const boost::json::value& id, boost::json::value result);
std::string rpc_error(const boost::json::value& id, int code, std::string_view message);

}  // namespace agentroute::mcp::detail
