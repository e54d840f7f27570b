#include "rpc_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

namespace agentroute::mcp::detail {
namespace asio = boost::asio;
namespace json = boost::json;

struct RpcSession::Pending {
    explicit Pending(const Strand& strand) : timer(strand) {}
    asio::steady_timer timer;
    bool done = false;
    std::optional<json::value> result;
    std::exception_ptr error;
    std::shared_ptr<ProgressRelay> progress;
    asio::any_io_executor progress_executor;
    std::string progress_token;
    // Aborts an HTTP exchange still streaming when the caller gives up.
    asio::cancellation_signal stop_send;

    void finish() {
        done = true;
        timer.cancel();
    }
    void fail(std::exception_ptr e) {
        if (done) return;
        error = std::move(e);
        finish();
    }
};

namespace {

std::string error_text(const json::object& error) {
    std::string text = "MCP server error";
    if (const auto* code = error.if_contains("code"); code && code->is_int64()) {
        text += " " + std::to_string(code->as_int64());
    }
    if (const auto* message = error.if_contains("message"); message && message->is_string()) {
        text += ": ";
        text += message->as_string();
    }
    return text;
}

int error_code(const json::object& error) {
    const auto* code = error.if_contains("code");
    return code && code->is_int64() ? static_cast<int>(code->as_int64()) : 0;
}

// Built outside the coroutines: GCC 12 cannot compile an initializer list inside one.
std::string request_body(std::int64_t id, const std::string& method, json::object params) {
    return json::serialize(json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
}

std::string notification_body(const std::string& method, json::object params) {
    return json::serialize(json::object{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
}

json::object cancel_params(std::int64_t id, bool cancelled) {
    return json::object{{"requestId", id}, {"reason", cancelled ? "cancelled by the client" : "timed out"}};
}

}  // namespace

RpcSession::RpcSession(Strand strand, std::unique_ptr<Transport> transport, ServerRequestHandler on_request,
                       NotificationHandler on_notification)
    : strand_(std::move(strand)),
      transport_(std::move(transport)),
      on_request_(std::move(on_request)),
      on_notification_(std::move(on_notification)) {}

RpcSession::~RpcSession() = default;

asio::awaitable<void> RpcSession::open() {
    // Named, not built in the co_await expression: GCC 12 destroys such temporaries twice.
    Transport::OnMessage on_message = [this](json::value message) { this->on_message(std::move(message)); };
    Transport::OnLost on_lost = [this](const std::string& why) { this->on_lost(why); };
    co_await transport_->open(std::move(on_message), std::move(on_lost));
    open_ = true;
}

asio::awaitable<json::value> RpcSession::request(const RequestSpec& spec) {
    // A cancelled caller still gets its request cancelled at the server below.
    co_await asio::this_coro::throw_if_cancelled(false);
    const std::int64_t id = next_id_++;
    auto pending = std::make_shared<Pending>(strand_);
    json::object params = spec.params;
    if (!request_meta_.empty() || spec.progress) {
        json::object& meta = params["_meta"].emplace_object();
        for (const auto& [key, value] : request_meta_) meta[key] = value;
        if (spec.progress) {
            pending->progress = spec.progress;
            pending->progress_executor = spec.progress_executor;
            pending->progress_token = "p" + std::to_string(id);
            meta["progressToken"] = pending->progress_token;
        }
    }
    std::string body = request_body(id, spec.method, std::move(params));
    pending_[id] = pending;
    pending->timer.expires_after(spec.timeout);
    asio::co_spawn(strand_, send_in_background(pending, std::move(body), spec.method, spec.name, id),
                   asio::bind_cancellation_slot(pending->stop_send.slot(), asio::detached));
    if (!pending->done) co_await pending->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    pending_.erase(id);
    if (pending->result) co_return std::move(*pending->result);
    if (pending->error) std::rethrow_exception(pending->error);

    // No answer: the caller was cancelled, or the deadline passed. Either way the server is
    // told, and an HTTP stream still open is closed (the modern revision's cancellation).
    const bool cancelled = (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
    pending->stop_send.emit(asio::cancellation_type::terminal);
    if (spec.cancellable && open_) {
        try {
            std::string cancel = "notifications/cancelled";
            co_await notify(std::move(cancel), cancel_params(id, cancelled));
        } catch (const std::exception&) {
            // The server is unreachable: nothing more to tell it.
        }
    }
    if (cancelled) throw boost::system::system_error(asio::error::operation_aborted);
    throw ErrorMcp(spec.method + ": no answer from the MCP server within " + std::to_string(spec.timeout.count()) +
                       " ms (cancelled at the server)",
                   0, true);
}

asio::awaitable<void> RpcSession::send_in_background(std::shared_ptr<Pending> pending, std::string body,
                                                     std::string method, std::string name, std::int64_t id) {
    const std::shared_ptr<void> owner = owner_.lock();
    if (!owner) co_return;
    try {
        co_await transport_->send(Outgoing{body, true, method, name, id});
        if (transport_->answers_within_send() && !pending->done) {
            pending->fail(std::make_exception_ptr(
                ErrorMcp(method + ": the MCP server ended its answer without a response", 0, true)));
        }
    } catch (const boost::system::system_error& e) {
        if (e.code() != asio::error::operation_aborted) {
            pending->fail(std::make_exception_ptr(ErrorMcp(method + ": " + e.what(), 0, true)));
        }
    } catch (const ErrorMcp&) {
        pending->fail(std::current_exception());
    } catch (const std::exception& e) {
        pending->fail(std::make_exception_ptr(ErrorMcp(method + ": " + e.what(), 0, true)));
    }
}

asio::awaitable<void> RpcSession::notify(std::string method, json::object params) {
    if (!request_meta_.empty()) {
        json::object& meta = params["_meta"].emplace_object();
        for (const auto& [key, value] : request_meta_) meta[key] = value;
    }
    std::string body = notification_body(method, std::move(params));
    co_await transport_->send(Outgoing{body, false, method, {}});
}

asio::awaitable<void> RpcSession::shutdown() {
    open_ = false;
    co_await transport_->shutdown();
    on_lost("the client closed the connection");
}

void RpcSession::on_message(json::value message) {
    json::object* object = message.if_object();
    if (!object) return;  // a batch or a scalar: nothing the protocol sends any more
    const json::value* method = object->if_contains("method");
    const json::value* id = object->if_contains("id");
    if (method && method->is_string()) {
        static const json::object no_params;
        const json::value* params = object->if_contains("params");
        const json::object& p = params && params->is_object() ? params->as_object() : no_params;
        const std::string name(method->as_string());
        if (id) {
            answer_server_request(*id, name, p);
        } else if (name == "notifications/progress") {
            deliver_progress(p);
        } else if (on_notification_) {
            on_notification_(name, p);
        }
        return;
    }
    if (!id || !id->is_int64()) return;  // not an answer to anything this client asked
    const auto it = pending_.find(id->as_int64());
    if (it == pending_.end() || it->second->done) return;  // late: it timed out or was cancelled
    Pending& pending = *it->second;
    if (const json::value* error = object->if_contains("error"); error && error->is_object()) {
        pending.fail(std::make_exception_ptr(ErrorMcp(error_text(error->as_object()), error_code(error->as_object()))));
        return;
    }
    if (json::value* result = object->if_contains("result")) {
        pending.result = std::move(*result);
        pending.finish();
    }
}

void RpcSession::on_lost(const std::string& why) {
    open_ = false;
    for (auto& [id, pending] : pending_) {
        pending->fail(std::make_exception_ptr(SessionLost(why, true)));
    }
}

void RpcSession::answer_server_request(json::value id, const std::string& method, const json::object& params) {
    json::object answer{{"jsonrpc", "2.0"}, {"id", id}};
    try {
        if (method == "ping") {
            answer["result"] = json::object{};
        } else if (!on_request_) {
            throw ErrorMcp("Method not found: " + method, -32601);
        } else {
            answer["result"] = on_request_(method, params);
        }
    } catch (const ErrorMcp& e) {
        answer["error"] = json::object{{"code", e.code() ? e.code() : -32603}, {"message", e.what()}};
    } catch (const std::exception& e) {
        answer["error"] = json::object{{"code", -32603}, {"message", e.what()}};
    }
    asio::co_spawn(strand_, write_response(json::serialize(answer)), asio::detached);
}

asio::awaitable<void> RpcSession::write_response(std::string body) {
    const std::shared_ptr<void> owner = owner_.lock();
    if (!owner) co_return;
    try {
        co_await transport_->send(Outgoing{body, false, {}, {}});
    } catch (const std::exception&) {
        // The server is gone; its request with it.
    }
}

void RpcSession::deliver_progress(const json::object& params) {
    const json::value* token = params.if_contains("progressToken");
    if (!token || !token->is_string()) return;
    for (auto& [id, pending] : pending_) {
        if (pending->done || pending->progress_token != token->as_string()) continue;
        McpProgress progress;
        if (const auto* value = params.if_contains("progress"); value && value->is_number()) progress.progress = value->to_number<double>();
        if (const auto* total = params.if_contains("total"); total && total->is_number()) progress.total = total->to_number<double>();
        if (const auto* message = params.if_contains("message"); message && message->is_string()) progress.message = message->as_string();
        asio::post(pending->progress_executor, [relay = pending->progress, progress] { relay->deliver(progress); });
        return;
    }
}

}  // namespace agentroute::mcp::detail
