// One client's session: receiving its messages, running its requests on strands of their own,
// cancelling them, and the requests the server puts to the client. The methods themselves are
// in server_methods.cpp.

#include "server_core.hpp"

#include <agentroute/detail/serial_executor.hpp>
#include <agentroute/errors.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/serialize.hpp>

namespace agentroute::mcp::detail {

namespace asio = boost::asio;
namespace json = boost::json;

std::string rpc_result(const json::value& id, json::value result) {
    json::object out;
    out["jsonrpc"] = "2.0";
    out["id"] = id;
    out["result"] = std::move(result);
    return json::serialize(out);
}

std::string rpc_error(const json::value& id, int code, std::string_view message) {
    json::object error;
    error["code"] = code;
    error["message"] = message;
    json::object out;
    out["jsonrpc"] = "2.0";
    out["id"] = id;
    out["error"] = std::move(error);
    return json::serialize(out);
}

namespace {

// Streams a session keeps for Last-Event-ID at most (each bounded by max_replay_bytes).
constexpr std::size_t max_kept_streams = 256;

std::string id_key(const json::value& id) { return json::serialize(id); }

std::string ask_message(std::int64_t id, const std::string& method, json::object params) {
    json::object out;
    out["jsonrpc"] = "2.0";
    out["id"] = id;
    out["method"] = method;
    out["params"] = std::move(params);
    return json::serialize(out);
}

const char* level_name(McpLogLevel level) {
    static constexpr const char* names[] = {"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};
    return names[static_cast<int>(level)];
}

std::string_view capability_of(std::string_view method) {
    if (method.starts_with("sampling/")) return "sampling";
    if (method.starts_with("elicitation/")) return "elicitation";
    if (method.starts_with("roots/")) return "roots";
    return {};
}

}  // namespace

bool is_served_version(std::string_view version) {
    for (std::string_view v : served_versions) {
        if (v == version) return true;
    }
    return false;
}

ServerSession::ServerSession(std::shared_ptr<const ServerCatalog> catalog, std::string id)
    : core_(std::move(catalog)), id_(std::move(id)), last_used_(Clock::now().time_since_epoch().count()) {}

std::string ServerSession::protocol_version() const {
    const std::lock_guard lock(mutex_);
    return version_;
}

void ServerSession::receive(json::object message, std::shared_ptr<Sink> sink, const asio::any_io_executor& executor) {
    touch();
    const json::value* method = message.if_contains("method");
    const json::value* id = message.if_contains("id");
    if (!method || !method->is_string()) {
        if (id && (message.contains("result") || message.contains("error"))) receive_response(message);
        return;  // anything else is no message: nothing to answer (there is no id to answer to)
    }
    json::object params;
    if (const json::value* p = message.if_contains("params"); p && p->is_object()) params = p->get_object();
    std::string name(method->get_string());
    if (!id || id->is_null()) {
        receive_notification(name, params);
        return;
    }
    if (!id->is_string() && !id->is_int64() && !id->is_uint64()) {
        if (sink) {
            sink->send(rpc_error(nullptr, -32600, "a request id is a string or an integer"));
            sink->finish();
        }
        return;
    }
    auto call = std::make_shared<ServerCall>();
    call->session = shared_from_this();
    call->sink = std::move(sink);
    if (const json::value* m = params.if_contains("_meta"); m && m->is_object()) {
        call->meta = m->get_object();
        if (const json::value* token = call->meta.if_contains("progressToken")) call->progress_token = *token;
    }
    call->params = std::move(params);

    const asio::any_io_executor strand = agentroute::detail::new_strand(executor);
    auto signal = std::make_shared<asio::cancellation_signal>();
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    std::string key = id_key(*id);
    bool ended = false;
    bool duplicate = false;
    {
        const std::lock_guard lock(mutex_);
        call->client_capabilities = client_capabilities_;
        ended = ended_;
        // A second request with an id in flight would make its cancellation ambiguous.
        if (!ended) duplicate = !in_flight_.emplace(key, InFlight{strand, signal, cancelled}).second;
    }
    if (ended || duplicate) {
        // Answered all the same: a transport waits for every request's answer.
        call->sink->send(rpc_error(*id, ended ? -32001 : -32600,
                                   ended ? "the session has ended" : "a request with this id is in flight already"));
        call->sink->finish();
        return;
    }
    // The completion handler holds the signal: its slot is cleared when the handler runs, after
    // handle_request has already dropped the in-flight entry.
    asio::co_spawn(strand, handle_request(shared_from_this(), *id, std::move(key), std::move(name), std::move(call), cancelled),
                   asio::bind_cancellation_slot(signal->slot(), [signal](const std::exception_ptr&) {}));
}

asio::awaitable<void> ServerSession::handle_request(std::shared_ptr<ServerSession> self, json::value id, std::string key,
                                                    std::string method,
                                                    std::shared_ptr<ServerCall> call,
                                                    std::shared_ptr<std::atomic<bool>> cancelled) {
    const std::shared_ptr<Sink> sink = call->sink;
    std::string answer;
    try {
        json::value result = co_await self->dispatch(method, call);
        answer = rpc_result(id, std::move(result));
    } catch (const RpcError& e) {
        answer = rpc_error(id, e.code, e.message);
    } catch (const ErrorMcp& e) {
        answer = rpc_error(id, e.code() ? e.code() : -32603, e.what());
    } catch (const std::exception& e) {
        answer = rpc_error(id, -32603, e.what());
    }
    // A cancelled request gets no answer (the client has stopped waiting for one).
    if (!cancelled->load()) sink->send(std::move(answer));
    sink->finish();
    call.reset();
    const std::lock_guard lock(self->mutex_);
    self->in_flight_.erase(key);
}

void ServerSession::cancel_in_flight(const InFlight& target) {
    target.cancelled->store(true);
    asio::post(target.executor, [signal = target.signal] { signal->emit(asio::cancellation_type::terminal); });
}

void ServerSession::cancel(const json::value& request_id) {
    InFlight target;
    {
        const std::lock_guard lock(mutex_);
        const auto it = in_flight_.find(id_key(request_id));
        if (it == in_flight_.end()) return;  // finished already, or never known: nothing to do
        target = it->second;
    }
    cancel_in_flight(target);
}

void ServerSession::end() {
    std::vector<InFlight> calls;
    std::map<std::int64_t, std::shared_ptr<Ask>> asks;
    std::shared_ptr<EventStream> listen;
    {
        const std::lock_guard lock(mutex_);
        ended_ = true;
        for (const auto& [key, f] : in_flight_) calls.push_back(f);
        asks.swap(asks_);
        listen = std::move(listen_);
    }
    for (const InFlight& f : calls) cancel_in_flight(f);
    for (auto& [n, ask] : asks) {
        ask->failed = true;
        ask->error = "the session ended";
        ask->wake->notify();
    }
    if (listen) listen->finish();
}

void ServerSession::receive_notification(const std::string& method, const json::object& params) {
    if (method == "notifications/cancelled") {
        if (const json::value* id = params.if_contains("requestId")) cancel(*id);
    }
    // notifications/initialized, notifications/roots/list_changed and the rest: nothing to do.
}

void ServerSession::receive_response(const json::object& message) {
    const json::value& id = message.at("id");
    if (!id.is_int64() && !id.is_uint64()) return;
    std::shared_ptr<Ask> ask;
    {
        const std::lock_guard lock(mutex_);
        const auto it = asks_.find(id.to_number<std::int64_t>());
        if (it == asks_.end()) return;  // timed out, or not ours
        ask = it->second;
        asks_.erase(it);
        if (const json::value* result = message.if_contains("result"); result && result->is_object()) {
            ask->result = result->get_object();
        } else {
            ask->failed = true;
            const json::value* error = message.if_contains("error");
            const json::object* e = error ? error->if_object() : nullptr;
            const json::value* text = e ? e->if_contains("message") : nullptr;
            ask->error = text && text->is_string() ? std::string(text->get_string()) : "the client answered with an error";
            const json::value* code = e ? e->if_contains("code") : nullptr;
            ask->code = code && code->is_int64() ? static_cast<int>(code->get_int64()) : 0;
        }
        ask->answered = true;
    }
    ask->wake->notify();
}

asio::awaitable<json::object> ServerSession::ask_client(const ServerCall& call, std::string method, json::object params) {
    const std::string_view capability = capability_of(method);
    if (!capability.empty() && !call.client_capabilities->contains(capability)) {
        throw ErrorMcp("the client did not declare the " + std::string(capability) + " capability: " + method +
                           " cannot be asked");
    }
    auto ask = std::make_shared<Ask>();
    ask->wake = std::make_shared<Wakeup>(co_await asio::this_coro::executor);
    std::int64_t id = 0;
    {
        const std::lock_guard lock(mutex_);
        if (ended_) throw ErrorMcp("the session has ended");
        id = next_ask_++;
        asks_.emplace(id, ask);
    }
    call.sink->send(ask_message(id, method, std::move(params)));
    const auto deadline = Clock::now() + core_->options.client_request_timeout;
    for (;;) {
        co_await ask->wake->wait(deadline);
        const asio::cancellation_type cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
        const std::lock_guard lock(mutex_);
        if (ask->answered || ask->failed) break;
        if (cancelled != asio::cancellation_type::none) {
            asks_.erase(id);
            throw ErrorCancelled();
        }
        if (Clock::now() >= deadline) {
            asks_.erase(id);
            throw ErrorMcp("the client did not answer " + method + " within " +
                           std::to_string(core_->options.client_request_timeout.count()) + " ms");
        }
    }
    // Code 0: the call's own failure (an isError result), not an error of the client's request.
    if (ask->failed) throw ErrorMcp(method + " failed: " + ask->error + (ask->code ? " (" + std::to_string(ask->code) + ")" : ""));
    co_return std::move(ask->result);
}

void ServerSession::send_log(const ServerCall& call, McpLogLevel level, json::value data, const std::string& logger) {
    {
        const std::lock_guard lock(mutex_);
        if (level < log_level_) return;
    }
    json::object params;
    params["level"] = level_name(level);
    if (!logger.empty()) params["logger"] = logger;
    params["data"] = std::move(data);
    json::object out;
    out["jsonrpc"] = "2.0";
    out["method"] = "notifications/message";
    out["params"] = std::move(params);
    call.sink->send(json::serialize(out));
}

std::shared_ptr<EventStream> ServerSession::new_stream() {
    const std::lock_guard lock(mutex_);
    // Streams whose answers went out are no longer needed for resumption.
    std::erase_if(streams_, [](const auto& entry) { return entry.second->finished_and_delivered(); });
    // Calls whose clients never came back: the oldest stops being resumable first.
    while (streams_.size() >= max_kept_streams) streams_.erase(streams_.begin());
    auto stream = std::make_shared<EventStream>(next_stream_++, core_->options.max_replay_bytes);
    streams_.emplace(stream->id(), stream);
    return stream;
}

std::shared_ptr<EventStream> ServerSession::stream_of_event(std::string_view last_event_id, std::uint64_t& after) {
    const auto dash = last_event_id.find('-');
    if (dash == std::string_view::npos) return nullptr;
    std::uint64_t stream = 0;
    std::uint64_t number = 0;
    try {
        stream = std::stoull(std::string(last_event_id.substr(0, dash)));
        number = std::stoull(std::string(last_event_id.substr(dash + 1)));
    } catch (const std::exception&) {
        return nullptr;
    }
    const std::lock_guard lock(mutex_);
    if (stream == 0) {
        if (!listen_) return nullptr;
        after = number;
        return listen_;
    }
    const auto it = streams_.find(stream);
    if (it == streams_.end()) return nullptr;
    after = number;
    return it->second;
}

std::shared_ptr<EventStream> ServerSession::listen_stream() {
    const std::lock_guard lock(mutex_);
    if (!listen_) listen_ = std::make_shared<EventStream>(0, core_->options.max_replay_bytes);
    return listen_;
}

}  // namespace agentroute::mcp::detail
