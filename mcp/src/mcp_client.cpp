// The MCP client: which revision a server speaks, its handshake, its tools (listed, filtered,
// prefixed, refreshed), and calls that never replay what may have run.
#include <agentroute/mcp/mcp_client.hpp>

#include "http_transport.hpp"
#include "protocol.hpp"
#include "rpc_session.hpp"
#include "stdio_transport.hpp"

#include <agentroute/errors.hpp>
#include <agentroute/run_context.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>

namespace agentroute::mcp {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// Outside the coroutines: GCC 12 cannot compile an initializer list inside one.
json::object call_params(const std::string& name, json::object arguments) {
    return json::object{{"name", name}, {"arguments", std::move(arguments)}};
}

detail::RequestSpec spec_of(std::string method, std::chrono::milliseconds timeout, json::object params = {}) {
    detail::RequestSpec spec;
    spec.method = std::move(method);
    spec.params = std::move(params);
    spec.timeout = timeout;
    return spec;
}

}  // namespace

struct McpClient::Impl : std::enable_shared_from_this<McpClient::Impl> {
    Impl(detail::Strand s, McpClientOptions o) : strand(std::move(s)), options(std::move(o)) {}

    detail::Strand strand;
    McpClientOptions options;
    std::unique_ptr<detail::RpcSession> session;
    // On the strand:
    bool ready = false;
    std::shared_ptr<asio::steady_timer> connecting;  // set while one caller connects; the others wait on it
    std::string version;
    std::string server;
    bool modern = false;
    int connections = 0;
    // Read from any thread:
    mutable std::mutex mutex;
    std::shared_ptr<const std::vector<JsonTool>> tools = std::make_shared<const std::vector<JsonTool>>();
    std::string version_seen, server_seen;
    std::atomic<bool> tools_listed{false};  // listed once: runs need not wait for a connection
    int connections_seen = 0;

    void start_session(std::unique_ptr<detail::Transport> transport);
    asio::awaitable<void> ensure_ready();
    asio::awaitable<void> handshake();
    asio::awaitable<bool> try_modern();
    asio::awaitable<void> initialize();
    asio::awaitable<std::vector<McpTool>> refresh_tools();
    asio::awaitable<json::value> request(detail::RequestSpec spec, bool idempotent);
    asio::awaitable<McpToolResult> call(std::string name, json::object arguments, CallOptions call_options,
                                        asio::any_io_executor caller);
    json::value on_server_request(const std::string& method, const json::object& params);
    void on_notification(const std::string& method, const json::object& params);
    static asio::awaitable<void> refresh_in_background(std::shared_ptr<Impl> self);
    void publish_tools(const std::vector<McpTool>& listed);
    bool offered(const std::string& name) const;
    std::chrono::milliseconds request_timeout() const { return options.request_timeout; }
};

void McpClient::Impl::start_session(std::unique_ptr<detail::Transport> transport) {
    session = std::make_unique<detail::RpcSession>(
        strand, std::move(transport),
        [this](const std::string& method, const json::object& params) { return on_server_request(method, params); },
        [this](const std::string& method, const json::object& params) { on_notification(method, params); });
}

asio::awaitable<void> McpClient::Impl::ensure_ready() {
    for (;;) {
        if (ready && session->is_open()) co_return;
        ready = false;
        if (connecting) {
            const auto wait = connecting;
            co_await wait->async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        connecting = std::make_shared<asio::steady_timer>(strand, asio::steady_timer::time_point::max());
        std::exception_ptr failure;
        try {
            co_await handshake();
            ready = true;
        } catch (...) {
            failure = std::current_exception();
        }
        const auto done = std::move(connecting);
        done->cancel();
        if (failure) std::rethrow_exception(failure);
    }
}

asio::awaitable<void> McpClient::Impl::handshake() {
    if (!session->is_open()) {
        co_await session->open();
        ++connections;
    }
    session->transport().forget_session();
    bool is_modern = false;
    if (options.era != ProtocolEra::legacy) is_modern = co_await try_modern();
    if (!is_modern) co_await initialize();
    {
        std::lock_guard lock(mutex);
        version_seen = version;
        server_seen = server;
        connections_seen = connections;
    }
    co_await refresh_tools();
}

// The stateless revision's probe: `server/discover` with the per-request metadata. A legacy
// server answers with an error of its own (or an HTTP 4xx): then `initialize` follows.
asio::awaitable<bool> McpClient::Impl::try_modern() {
    session->transport().set_protocol_version(std::string(detail::modern_version));
    session->set_request_meta(detail::modern_request_meta(options));
    std::exception_ptr legacy_answer;
    try {
        // Named specs, not temporaries in the co_await expression (GCC 12 destroys those twice).
        const detail::RequestSpec discover = spec_of("server/discover", std::min<std::chrono::milliseconds>(request_timeout(), 5s));
        const json::value result = co_await session->request(discover);
        const detail::Discovered discovered = detail::read_discover_result(result);
        if (discovered.speaks_modern) {
            modern = true;
            version = std::string(detail::modern_version);
            server = discovered.server_name;
            co_return true;
        }
        legacy_answer = std::make_exception_ptr(
            ErrorMcp("the MCP server does not list protocol revision " + std::string(detail::modern_version)));
    } catch (const detail::SessionLost&) {
        throw;  // a stdio server that exits on an unknown method: started again by the caller
    } catch (const ErrorMcp& e) {
        if (e.code() == detail::unsupported_protocol_version) {
            throw ErrorMcp(std::string("the MCP server speaks a stateless revision other than ") +
                               std::string(detail::modern_version) + ": " + e.what(),
                           e.code());
        }
        legacy_answer = std::current_exception();
    }
    session->transport().set_protocol_version({});
    session->set_request_meta({});
    if (options.era == ProtocolEra::modern) std::rethrow_exception(legacy_answer);
    if (!session->is_open()) {  // a probe it could not take ended it: a fresh one for initialize
        co_await session->open();
        ++connections;
    }
    co_return false;
}

asio::awaitable<void> McpClient::Impl::initialize() {
    modern = false;
    const detail::RequestSpec initialize = spec_of("initialize", request_timeout(), detail::initialize_params(options));
    const json::value result = co_await session->request(initialize);
    const detail::Initialized initialized = detail::read_initialize_result(result);
    version = initialized.protocol_version;
    server = initialized.server_name;
    if (version >= "2025-06-18") session->transport().set_protocol_version(version);
    std::string notification = "notifications/initialized";  // named: see rpc_session.cpp on GCC 12
    json::object no_params;
    co_await session->notify(std::move(notification), std::move(no_params));
    session->transport().listen();
}

asio::awaitable<std::vector<McpTool>> McpClient::Impl::refresh_tools() {
    std::vector<McpTool> listed;
    std::string cursor;
    for (int page = 0; page < 1000; ++page) {  // a server that pages forever is cut off
        json::object params;
        if (!cursor.empty()) params["cursor"] = cursor;
        // Straight to the session: this runs inside the handshake too, which `request` waits for.
        const detail::RequestSpec list = spec_of("tools/list", request_timeout(), std::move(params));
        const json::value result = co_await session->request(list);
        cursor = detail::read_tools_page(result, listed);
        if (cursor.empty()) break;
    }
    publish_tools(listed);
    co_return listed;
}

bool McpClient::Impl::offered(const std::string& name) const {
    const auto has = [&](const std::vector<std::string>& names) {
        return std::find(names.begin(), names.end(), name) != names.end();
    };
    return (options.allow.empty() || has(options.allow)) && !has(options.deny);
}

void McpClient::Impl::publish_tools(const std::vector<McpTool>& listed) {
    auto tools = std::make_shared<std::vector<JsonTool>>();
    std::weak_ptr<Impl> weak = weak_from_this();
    for (const McpTool& tool : listed) {
        if (!offered(tool.name)) continue;
        JsonTool offered_tool;
        offered_tool.definition.name = options.tool_prefix.empty() ? tool.name : options.tool_prefix + "__" + tool.name;
        offered_tool.definition.description = tool.description.empty() ? tool.title : tool.description;
        offered_tool.definition.parameters_schema = tool.input_schema;
        offered_tool.invoke = [weak, name = tool.name](RunContext& ctx, const json::value& args) -> asio::awaitable<std::string> {
            const std::shared_ptr<Impl> self = weak.lock();
            if (!self) throw Retry("the MCP server of tool '" + name + "' is no longer connected");
            CallOptions call_options;
            call_options.on_progress = [&ctx](const McpProgress& p) { ctx.report_progress(p.progress, p.total, p.message); };
            json::object arguments;  // no braced temporary in a conditional: GCC 12
            if (args.is_object()) arguments = args.as_object();
            McpToolResult result;
            std::string failure;
            try {
                const asio::any_io_executor caller = co_await asio::this_coro::executor;
                result = co_await asio::co_spawn(self->strand, self->call(name, arguments, std::move(call_options), caller),
                                                 asio::use_awaitable);  // `self` is held by this frame
            } catch (const ErrorMcp& e) {
                failure = e.what();  // the model hears of it, and may try again or do without
            }
            if (!failure.empty()) throw Retry("The MCP tool '" + name + "' failed: " + failure);
            if (result.is_error) throw Retry(result.text.empty() ? "The MCP tool '" + name + "' failed." : result.text);
            if (result.text.empty() && result.structured) co_return json::serialize(*result.structured);
            co_return std::move(result.text);
        };
        tools->push_back(std::move(offered_tool));
    }
    std::lock_guard lock(mutex);
    this->tools = std::move(tools);
    tools_listed = true;
}

// A request that a lost session interrupted is sent again on a new one when it cannot have run,
// or when running it twice is harmless (`idempotent`: listing, ping); else it is reported.
asio::awaitable<json::value> McpClient::Impl::request(detail::RequestSpec spec, bool idempotent) {
    co_await ensure_ready();
    std::string lost;
    bool may_have_run = false;
    try {
        co_return co_await session->request(spec);
    } catch (const detail::SessionLost& e) {
        lost = e.what();
        may_have_run = e.may_have_run();
        ready = false;
    }
    if (may_have_run && !idempotent) {
        throw ErrorMcp(spec.method + ": the connection to the MCP server was lost during the request (" + lost +
                           "); it may have been carried out, so it was not sent again",
                       0, true);
    }
    co_await ensure_ready();
    co_return co_await session->request(spec);
}

asio::awaitable<McpToolResult> McpClient::Impl::call(std::string name, json::object arguments, CallOptions call_options,
                                                     asio::any_io_executor caller) {
    detail::RequestSpec spec =
        spec_of("tools/call", call_options.timeout.value_or(options.call_timeout), call_params(name, std::move(arguments)));
    spec.name = name;
    spec.cancellable = true;
    if (call_options.on_progress) {
        spec.progress = std::make_shared<detail::ProgressRelay>(std::move(call_options.on_progress));
        spec.progress_executor = caller;
    }
    const std::shared_ptr<detail::ProgressRelay> relay = spec.progress;
    struct CloseRelay {
        std::shared_ptr<detail::ProgressRelay> relay;
        ~CloseRelay() {
            if (relay) relay->close();
        }
    } close_relay{relay};
    const json::value result = co_await request(std::move(spec), false);
    co_return detail::read_tool_result(result);
}

asio::awaitable<void> McpClient::Impl::refresh_in_background(std::shared_ptr<Impl> self) {
    try {
        co_await self->refresh_tools();
    } catch (const std::exception&) {
        // The old list stays until the next refresh succeeds.
    }
}

json::value McpClient::Impl::on_server_request(const std::string& method, const json::object& params) {
    if (method == "roots/list") return json::object{{"roots", json::array{}}};
    if (method == "elicitation/create" && options.on_elicitation) {
        ElicitationRequest asked;
        if (const auto* m = params.if_contains("message"); m && m->is_string()) asked.message = m->as_string();
        if (const auto* s = params.if_contains("requestedSchema"); s && s->is_object()) asked.requested_schema = s->as_object();
        const ElicitationAnswer answer = options.on_elicitation(asked);
        json::object result{{"action", answer.action}};
        if (answer.action == "accept") result["content"] = answer.content;
        return result;
    }
    throw ErrorMcp("this client does not support " + method, -32601);
}

void McpClient::Impl::on_notification(const std::string& method, const json::object&) {
    if (method != "notifications/tools/list_changed" || !ready) return;
    asio::co_spawn(strand, refresh_in_background(shared_from_this()), asio::detached);
}

// --- the public face: every operation runs on the client's strand ---

namespace {

detail::Strand strand_on(asio::any_io_executor executor) { return asio::make_strand(std::move(executor)); }

}  // namespace

McpClient::McpClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
McpClient::~McpClient() = default;

std::shared_ptr<McpClient> McpClient::stdio(asio::any_io_executor executor, StdioServer server, McpClientOptions options) {
    if (server.command.empty()) throw ErrorConfig("mcp::StdioServer::command is empty");
    auto impl = std::make_shared<Impl>(strand_on(std::move(executor)), std::move(options));
    impl->start_session(detail::make_stdio_transport(impl->strand, std::move(server), impl->options.max_message_bytes, 2s));
    impl->session->set_owner(impl);
    return std::shared_ptr<McpClient>(new McpClient(std::move(impl)));
}

std::shared_ptr<McpClient> McpClient::http(asio::any_io_executor executor, HttpServer server, McpClientOptions options) {
    auto impl = std::make_shared<Impl>(strand_on(std::move(executor)), std::move(options));
    impl->start_session(detail::make_http_transport(impl->strand, std::move(server), impl->options.max_message_bytes,
                                                    impl->options.request_timeout));
    impl->session->set_owner(impl);
    return std::shared_ptr<McpClient>(new McpClient(std::move(impl)));
}

// Plain functions over a shared handle rather than lambdas: the handle lives in the coroutine's
// frame for as long as the operation runs.
namespace {

asio::awaitable<void> connect_on(std::shared_ptr<McpClient::Impl> self) { co_await self->ensure_ready(); }

asio::awaitable<std::vector<McpTool>> list_on(std::shared_ptr<McpClient::Impl> self) {
    co_await self->ensure_ready();
    co_return co_await self->refresh_tools();
}

asio::awaitable<McpToolResult> call_on(std::shared_ptr<McpClient::Impl> self, std::string name, json::object arguments,
                                       CallOptions options, asio::any_io_executor caller) {
    co_return co_await self->call(std::move(name), std::move(arguments), std::move(options), std::move(caller));
}

asio::awaitable<void> ping_on(std::shared_ptr<McpClient::Impl> self) {
    co_await self->ensure_ready();
    const char* method = self->modern ? "server/discover" : "ping";
    co_await self->request(spec_of(method, self->request_timeout()), true);
}

asio::awaitable<void> close_on(std::shared_ptr<McpClient::Impl> self) {
    self->ready = false;
    co_await self->session->shutdown();
}

}  // namespace

asio::awaitable<void> McpClient::connect() {
    co_await asio::co_spawn(impl_->strand, connect_on(impl_), asio::use_awaitable);
}

asio::awaitable<std::vector<McpTool>> McpClient::list_tools() {
    co_return co_await asio::co_spawn(impl_->strand, list_on(impl_), asio::use_awaitable);
}

asio::awaitable<McpToolResult> McpClient::call_tool(std::string name, json::object arguments, CallOptions options) {
    const asio::any_io_executor caller = co_await asio::this_coro::executor;
    co_return co_await asio::co_spawn(impl_->strand, call_on(impl_, std::move(name), std::move(arguments), std::move(options), caller),
                                      asio::use_awaitable);
}

asio::awaitable<void> McpClient::ping() {
    co_await asio::co_spawn(impl_->strand, ping_on(impl_), asio::use_awaitable);
}

asio::awaitable<void> McpClient::close() {
    co_await asio::co_spawn(impl_->strand, close_on(impl_), asio::use_awaitable);
}

std::string McpClient::protocol_version() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->version_seen;
}

std::string McpClient::server_name() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->server_seen;
}

int McpClient::connections() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->connections_seen;
}

std::string McpClient::server_log() const {
    // The transport's log is written on the strand; a copy taken there would need a round
    // trip, and a log line torn at its end is harmless here.
    return impl_->session->transport().log();
}

asio::awaitable<void> McpClient::prepare() const {
    if (impl_->tools_listed) co_return;
    co_await asio::co_spawn(impl_->strand, connect_on(impl_), asio::use_awaitable);
}

std::shared_ptr<const std::vector<JsonTool>> McpClient::current_tools() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->tools;
}

}  // namespace agentroute::mcp
