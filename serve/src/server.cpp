// The server's agents, its small endpoints (models, conversations, health, metrics), its
// access log, and `serve()`. The sockets are in http_server.cpp.

#include "chat_wire.hpp"
#include "server_state.hpp"

#include <agentroute/errors.hpp>
#include <agentroute/memory/memory.hpp>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <csignal>

namespace agentroute::serve {

namespace asio = boost::asio;

namespace detail {

std::uint64_t CallbackSet::add(std::function<void()> f) {
    const std::lock_guard lock(mutex_);
    const std::uint64_t id = ++next_;
    items_.emplace(id, std::move(f));
    return id;
}

void CallbackSet::remove(std::uint64_t id) {
    const std::lock_guard lock(mutex_);
    items_.erase(id);
}

void CallbackSet::call_all() const {
    std::vector<std::function<void()>> copy;
    {
        const std::lock_guard lock(mutex_);
        for (const auto& [id, f] : items_) copy.push_back(f);
    }
    for (const auto& f : copy) f();
}

namespace {

HttpResponse json_response(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

HttpResponse not_found(const HttpRequest& request) {
    return error_response(404, "invalid_request_error",
                          "no route " + std::string(request.method) + " " + std::string(request.path()), "not_found");
}

// The `model` of a query string (`?model=support`), undecoded: agent names are plain.
std::string_view query_model(std::string_view target) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return {};
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
        const std::string_view pair = query.substr(0, query.find('&'));
        if (pair.starts_with("model=")) return pair.substr(6);
        if (pair.size() == query.size()) break;
        query.remove_prefix(pair.size() + 1);
    }
    return {};
}

asio::awaitable<HttpResponse> conversation(Server::State& state, const HttpRequest& request, std::string_view id,
                                           const Tenant* tenant, RequestRecord& record) {
    std::string_view model = query_model(request.target);
    const ServedAgent* served = nullptr;
    if (model.empty()) {
        for (const auto& [name, a] : state.agents) {
            if (!a.agent.options().memory) continue;
            if (served) {
                co_return error_response(400, "invalid_request_error",
                                         "several agents keep conversations: name one with ?model=", "model_required");
            }
            served = &a;
            model = name;
        }
    } else if (const auto it = state.agents.find(model); it != state.agents.end()) {
        served = &it->second;
    }
    if (!served || !served->agent.options().memory) {
        co_return error_response(404, "invalid_request_error", "no agent keeping conversations is named so", "model_not_found");
    }
    record.agent = std::string(model);
    try {
        const std::vector<Message> messages = co_await served->agent.options().memory->load_conversation(stored_conversation_id(tenant, id));
        if (messages.empty()) co_return error_response(404, "invalid_request_error", "no such conversation", "not_found");
        co_return json_response(200, conversation_json(id, messages));
    } catch (const ErrorMemory& e) {
        co_return error_response(500, "server_error", std::string("the conversation cannot be read: ") + e.what(), "memory_error");
    }
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::variant<const Tenant*, HttpResponse> authenticate(const Server::State& state, const HttpRequest& request,
                                                       RequestRecord& record) {
    if (!state.ledger.enabled()) return static_cast<const Tenant*>(nullptr);
    const Tenant* tenant = state.ledger.authenticate(request.header("authorization"));
    if (!tenant) {
        // OpenAI's words and code; the token presented is never repeated.
        HttpResponse r = error_response(401, "invalid_request_error", "Incorrect API key provided", "invalid_api_key");
        r.headers.emplace_back("WWW-Authenticate", "Bearer");
        return r;
    }
    record.tenant = tenant->id;
    return tenant;
}

std::string stored_conversation_id(const Tenant* tenant, std::string_view id) {
    return tenant ? tenant->id + "/" + std::string(id) : std::string(id);
}

asio::awaitable<std::optional<HttpResponse>> answer_simple(Server::State& state, const HttpRequest& request,
                                                           RequestRecord& record) {
    const std::string_view path = request.path();
    const bool get = request.method == "GET" || request.method == "HEAD";
    auto only_get = [&](std::string_view endpoint) {
        record.endpoint = std::string(endpoint);
        return get;
    };
    if (path == "/v1/chat/completions") {
        record.endpoint = "/v1/chat/completions";
        if (request.method == "POST") co_return std::nullopt;
        HttpResponse r = error_response(405, "invalid_request_error", "use POST", "method_not_allowed");
        r.headers.emplace_back("Allow", "POST");
        co_return r;
    }
    const Tenant* tenant = nullptr;
    if (path.starts_with("/v1/")) {
        auto who = authenticate(state, request, record);
        if (auto* refusal = std::get_if<HttpResponse>(&who)) {
            // Known routes only: a label per path a client makes up would grow without bound.
            record.endpoint = path == "/v1/models" ? "/v1/models"
                              : path.starts_with("/v1/conversations/") ? "/v1/conversations"
                                                                       : "other";
            co_return std::move(*refusal);
        }
        tenant = std::get<const Tenant*>(who);
    }
    std::optional<HttpResponse> response;
    if (path == "/healthz") {
        if (only_get(path)) response = json_response(200, R"({"status":"ok"})");
    } else if (path == "/readyz") {
        if (only_get(path)) {
            response = state.draining ? json_response(503, R"({"status":"draining"})") : json_response(200, R"({"status":"ready"})");
        }
    } else if (path == "/metrics") {
        if (only_get(path)) {
            response = json_response(200, state.render_metrics());
            response->content_type = "text/plain; version=0.0.4; charset=utf-8";
        }
    } else if (path == "/v1/models") {
        if (only_get(path)) {
            std::vector<std::string> names;
            for (const auto& [name, a] : state.agents) names.push_back(name);
            response = json_response(200, models_json(names, unix_now()));
        }
    } else if (path.starts_with("/v1/conversations/") && path.size() > 18) {
        if (only_get("/v1/conversations")) response = co_await conversation(state, request, path.substr(18), tenant, record);
    } else {
        co_return not_found(request);
    }
    if (!response) {
        response = error_response(405, "invalid_request_error", "use GET", "method_not_allowed");
        response->headers.emplace_back("Allow", "GET");
    }
    co_return response;
}

std::string access_log_line(const HttpRequest& request, const RequestRecord& record, std::int64_t bytes_out,
                            std::chrono::steady_clock::duration took) {
    namespace json = boost::json;
    json::object line{
        {"time", unix_now()},
        {"method", request.method},
        {"path", request.path()},  // never the query: it may hold what the client did not mean to log
        {"status", record.status},
        {"bytes_in", request.body.size()},
        {"bytes_out", bytes_out},
        {"duration_us", std::chrono::duration_cast<std::chrono::microseconds>(took).count()},
    };
    if (!record.agent.empty()) line["agent"] = record.agent;
    if (!record.tenant.empty()) line["tenant"] = record.tenant;
    if (!record.outcome.empty()) {
        line["outcome"] = record.outcome;
        line["cost_usd"] = record.usage.total_cost_usd;
        line["input_tokens"] = record.usage.input_tokens;
        line["output_tokens"] = record.usage.output_tokens;
        line["streamed"] = record.streamed;
    }
    if (!record.error.empty()) line["error"] = record.error;
    if (record.client_gone) line["client_gone"] = true;
    return json::serialize(line);
}

}  // namespace detail

Server::Server(asio::any_io_executor executor, ServeOptions options)
    : state_(std::make_shared<State>(std::move(executor), std::move(options))) {}

Server& Server::add(Agent<> agent, AgentServeOptions options) {
    std::string name = options.name.empty() ? agent.options().name : std::move(options.name);
    if (name.empty()) throw ErrorConfig("a served agent needs a name (AgentOptions::name or AgentServeOptions::name)");
    if (state_->agents.contains(name)) throw ErrorConfig("an agent named " + name + " is served already");
    const OnDisconnect policy = options.on_disconnect.value_or(state_->options.on_disconnect);
    state_->agents.emplace(std::move(name), detail::ServedAgent{std::move(agent), policy});
    return *this;
}

std::string Server::metrics() const { return state_->render_metrics(); }

asio::awaitable<void> serve(std::vector<Agent<>> agents, ServeOptions options,
                            std::function<void(std::uint16_t)> on_listening) {
    Server server(co_await asio::this_coro::executor, std::move(options));
    for (Agent<>& a : agents) server.add(std::move(a));
    server.listen();
    if (on_listening) on_listening(server.port());
    asio::signal_set signals(co_await asio::this_coro::executor, SIGINT, SIGTERM);
    signals.async_wait([&server](const boost::system::error_code& ec, int) {
        if (!ec) server.drain();
    });
    co_await server.run();
    boost::system::error_code ignored;
    signals.cancel(ignored);
}

}  // namespace agentroute::serve
