// ServeOptions::mcp: the Streamable HTTP transport of an McpServer at one path. POST carries
// the client's messages (a request's answer comes back as JSON, or for a tools/call still
// running after 20 ms as an SSE stream with what the tool sends meanwhile); GET opens the
// stream of messages not tied to a request, or resumes one with Last-Event-ID; DELETE ends the
// session.

#include "server_state.hpp"

#include "event_stream.hpp"
#include "server_core.hpp"

#include <agentroute/mcp/mcp_server.hpp>

#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>

namespace agentroute::serve::detail {

namespace asio = boost::asio;
namespace json = boost::json;
using mcp::detail::EventStream;
using mcp::detail::ServerSession;

namespace {

constexpr std::chrono::milliseconds resume_after{500};
constexpr std::chrono::milliseconds sse_after{20};

// The transport's errors as the TypeScript SDK answers them: a JSON-RPC error with no id.
HttpResponse rpc_refusal(int status, int code, std::string_view message) {
    HttpResponse r;
    r.status = status;
    r.body = mcp::detail::rpc_error(nullptr, code, message);
    return r;
}

bool lists(std::string_view header, std::string_view type) {
    return header.find(type) != std::string_view::npos || header.find("*/*") != std::string_view::npos;
}

// "application/json" of "application/json; charset=utf-8".
std::string_view media_type(std::string_view content_type) {
    content_type = content_type.substr(0, content_type.find(';'));
    while (content_type.ends_with(' ')) content_type.remove_suffix(1);
    return content_type;
}

// The host of a Host header or an Origin, without port or scheme.
std::string_view host_of(std::string_view value) {
    if (const auto scheme = value.find("://"); scheme != std::string_view::npos) value.remove_prefix(scheme + 3);
    value = value.substr(0, value.find('/'));
    if (value.starts_with('[')) return value.substr(0, value.find(']') + 1);
    return value.substr(0, value.find(':'));
}

bool is_local_name(std::string_view host) {
    return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
}

// A server on loopback answers only pages of its own host: a DNS-rebinding page (evil.com
// resolving to 127.0.0.1) sends its own name as Host and Origin.
bool rebinding_suspected(const Server::State& state, const HttpRequest& request) {
    if (!state.on_loopback) return false;
    if (!is_local_name(host_of(request.header("host")))) return true;
    const std::string_view origin = request.header("origin");
    return !origin.empty() && !is_local_name(host_of(origin));
}

HttpResponse accepted() {
    HttpResponse r;
    r.status = 202;
    r.content_type = "application/json";
    return r;
}

// The last JSON-RPC message of a stream: a request's answer, for a JSON reply.
asio::awaitable<std::string> answer_of(EventStream& stream) {
    const std::uint64_t token = stream.attach(co_await asio::this_coro::executor, 0);
    std::string answer;
    for (;;) {
        EventStream::Next next = co_await stream.next(token);
        if (next.kind != EventStream::Next::Kind::event) break;
        answer = std::move(next.message);
    }
    stream.detach(token);
    co_return answer;
}

// A stream written as SSE until its answer has gone out, the tool ended the response, or the
// client left. The session keeps what the client did not get, for Last-Event-ID.
asio::awaitable<void> write_sse(Server::State& state, EventStream& stream, std::optional<std::uint64_t> after,
                                Link& link, RequestRecord& record, bool keep_alive, bool cut_on_drain) {
    const std::uint64_t token = stream.attach(co_await asio::this_coro::executor, after);
    record.status = 200;
    record.streamed = true;
    // A drain ends the session's own GET stream at once (it never ends by itself); a call's
    // stream ends with its call, cancelled at the drain's deadline. Registered before the first
    // write, and a drain begun before it is seen here: none slips between the two.
    const std::uint64_t closer = cut_on_drain ? state.idle_closers.add([&stream, token] { stream.detach(token); }) : 0;
    if (cut_on_drain && state.draining) stream.detach(token);
    std::string out = response_head(200, "text/event-stream", -1, keep_alive, {{"Cache-Control", "no-cache"}});
    append_chunk(out, stream.priming_event(resume_after));
    bool gone = !co_await link.write(out);
    link.watch([&stream, &gone, token] {
        gone = true;
        stream.detach(token);
    });
    while (!gone) {
        EventStream::Next next = co_await stream.next(token);
        out.clear();
        if (next.kind == EventStream::Next::Kind::event) {
            append_chunk(out, stream.sse_event(next.number, next.message));
            if (!co_await link.write(out)) gone = true;
            continue;
        }
        co_await link.write(last_chunk);
        break;
    }
    if (cut_on_drain) state.idle_closers.remove(closer);
    co_await link.unwatch();
    stream.detach(token);
    record.client_gone = gone;
}

struct Message {
    json::object body;
    bool is_request = false;
    std::string method;
};

std::variant<Message, HttpResponse> read_message(const HttpRequest& request) {
    if (media_type(request.header("content-type")) != "application/json") {
        return rpc_refusal(415, -32000, "Unsupported Media Type: Content-Type must be application/json");
    }
    const std::string_view accept = request.header("accept");
    if (!lists(accept, "application/json") || !lists(accept, "text/event-stream")) {
        return rpc_refusal(406, -32000, "Not Acceptable: Accept must list application/json and text/event-stream");
    }
    boost::system::error_code ec;
    json::value parsed = json::parse(request.body, ec);
    if (ec) return rpc_refusal(400, -32700, "Parse error: " + ec.message());
    if (!parsed.is_object()) {
        return rpc_refusal(400, -32600, "Invalid Request: one JSON-RPC message per POST (batches are not served)");
    }
    Message m;
    m.body = std::move(parsed.get_object());
    const json::value* method = m.body.if_contains("method");
    const json::value* id = m.body.if_contains("id");
    if (method && method->is_string()) m.method = method->get_string();
    m.is_request = method && method->is_string() && id && !id->is_null();
    return m;
}

// The session a request names, or the answer that refuses it.
std::variant<std::shared_ptr<ServerSession>, HttpResponse> session_of(mcp::detail::ServerCore& core,
                                                                      const HttpRequest& request) {
    const std::string_view id = request.header("mcp-session-id");
    if (id.empty()) return rpc_refusal(400, -32000, "Bad Request: Mcp-Session-Id header is required");
    std::shared_ptr<ServerSession> session = core.find_session(id);
    if (!session) return rpc_refusal(404, -32001, "Session not found");
    const std::string_view version = request.header("mcp-protocol-version");
    if (!version.empty() && !mcp::detail::is_served_version(version)) {
        return rpc_refusal(400, -32000, "Bad Request: unsupported MCP-Protocol-Version " + std::string(version));
    }
    session->touch();
    return session;
}

asio::awaitable<std::optional<HttpResponse>> post(Server::State& state, const HttpRequest& request, Link& link,
                                                  RequestRecord& record, bool keep_alive) {
    mcp::detail::ServerCore& core = *state.options.mcp->core();
    auto read = read_message(request);
    if (auto* refusal = std::get_if<HttpResponse>(&read)) co_return std::move(*refusal);
    Message& message = std::get<Message>(read);
    if (state.draining && message.is_request) co_return rpc_refusal(503, -32000, "the server is shutting down");

    std::shared_ptr<ServerSession> session;
    if (message.method == "initialize" && message.is_request) {
        session = core.open_session();
        if (!session) co_return rpc_refusal(503, -32000, "the server is at its session limit; retry later");
    } else {
        auto found = session_of(core, request);
        if (auto* refusal = std::get_if<HttpResponse>(&found)) co_return std::move(*refusal);
        session = std::get<std::shared_ptr<ServerSession>>(found);
    }
    if (!message.is_request) {
        session->receive(std::move(message.body), nullptr, co_await asio::this_coro::executor);
        co_return accepted();
    }
    const json::value id = message.body.at("id");
    const std::shared_ptr<EventStream> stream = session->new_stream();
    session->receive(std::move(message.body), stream, co_await asio::this_coro::executor);
    // A drain past its deadline cancels the call: its client gets no answer, and may retry.
    const std::uint64_t canceller = state.run_cancellers.add([session, id] { session->cancel(id); });
    std::optional<HttpResponse> reply;
    // A call that answers at once, and sends nothing else, is answered as JSON (its connection
    // is then reused); one still running after `sse_after` gets an SSE stream, resumable.
    bool stream_it = false;
    if (message.method == "tools/call") {
        const asio::any_io_executor executor = co_await asio::this_coro::executor;
        const bool alone = co_await stream->answered_alone_within(executor, sse_after);
        stream_it = !alone;
    }
    if (stream_it) {
        co_await write_sse(state, *stream, 0, link, record, keep_alive, false);
    } else {
        std::string answer = co_await answer_of(*stream);
        if (answer.empty()) {
            reply = accepted();  // cancelled before it answered
        } else {
            reply.emplace();
            reply->body = std::move(answer);
        }
        if (message.method == "initialize") reply->headers.emplace_back("Mcp-Session-Id", session->id());
    }
    state.run_cancellers.remove(canceller);
    co_return reply;
}

asio::awaitable<std::optional<HttpResponse>> get(Server::State& state, const HttpRequest& request, Link& link,
                                                 RequestRecord& record, bool keep_alive) {
    if (!lists(request.header("accept"), "text/event-stream")) {
        co_return rpc_refusal(406, -32000, "Not Acceptable: Accept must list text/event-stream");
    }
    if (state.draining) co_return rpc_refusal(503, -32000, "the server is shutting down");
    auto found = session_of(*state.options.mcp->core(), request);
    if (auto* refusal = std::get_if<HttpResponse>(&found)) co_return std::move(*refusal);
    const auto& session = std::get<std::shared_ptr<ServerSession>>(found);
    std::uint64_t after = 0;
    std::shared_ptr<EventStream> stream;
    if (const std::string_view last = request.header("last-event-id"); !last.empty()) {
        stream = session->stream_of_event(last, after);
    }
    if (stream) {
        co_await write_sse(state, *stream, after, link, record, keep_alive, stream->id() == 0);
    } else {
        // No stream to resume (or none asked): the session's own, from what is new.
        stream = session->listen_stream();
        co_await write_sse(state, *stream, std::nullopt, link, record, keep_alive, true);
    }
    co_return std::nullopt;
}

}  // namespace

asio::awaitable<void> answer_mcp(Server::State& state, const HttpRequest& request, Link& link, RequestRecord& record) {
    record.endpoint = state.options.mcp_path;
    const bool keep_alive = request.keep_alive && !state.draining;
    std::optional<HttpResponse> reply;
    if (rebinding_suspected(state, request)) {
        reply = rpc_refusal(403, -32000, "Forbidden: a server on loopback answers requests for localhost only");
    } else if (auto who = authenticate(state, request, record); std::holds_alternative<HttpResponse>(who)) {
        reply = std::get<HttpResponse>(std::move(who));
    } else if (request.method == "POST") {
        reply = co_await post(state, request, link, record, keep_alive);
    } else if (request.method == "GET") {
        reply = co_await get(state, request, link, record, keep_alive);
    } else if (request.method == "DELETE") {
        const std::string_view id = request.header("mcp-session-id");
        if (id.empty()) {
            reply = rpc_refusal(400, -32000, "Bad Request: Mcp-Session-Id header is required");
        } else if (!state.options.mcp->core()->close_session(id)) {
            reply = rpc_refusal(404, -32001, "Session not found");
        } else {
            reply.emplace();
        }
    } else {
        reply = rpc_refusal(405, -32000, "Method not allowed");
        reply->headers.emplace_back("Allow", "GET, POST, DELETE");
    }
    if (reply) {
        record.status = reply->status;
        co_await link.write(response_bytes(*reply, keep_alive));
    }
}

}  // namespace agentroute::serve::detail
