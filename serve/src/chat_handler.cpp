// POST /v1/chat/completions: one agent run per request, answered whole or as SSE chunks, with
// the client's going away handled as the agent (or the request) says.

#include "chat_wire.hpp"
#include "server_state.hpp"

#include <agentroute/errors.hpp>
#include <agentroute/stream.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <random>
#include <variant>

namespace agentroute::serve::detail {

namespace asio = boost::asio;

namespace {

std::string completion_id() {
    thread_local std::mt19937_64 random{std::random_device{}()};
    static constexpr char hex[] = "0123456789abcdef";
    std::string id = "chatcmpl-";
    for (int word = 0; word < 2; ++word) {
        std::uint64_t bits = random();
        for (int i = 0; i < 12; ++i, bits >>= 4) id += hex[bits & 15];
    }
    return id;
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Releases the run's place under `max_concurrent_runs` however the handler ends.
struct RunSlot {
    explicit RunSlot(ServerMetrics& m) : metrics(m) {}
    ~RunSlot() { metrics.runs_in_flight.fetch_sub(1, std::memory_order_relaxed); }
    RunSlot(const RunSlot&) = delete;
    RunSlot& operator=(const RunSlot&) = delete;
    ServerMetrics& metrics;
};

std::string error_text(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "an unknown exception";
    }
}

std::optional<OnDisconnect> disconnect_policy(std::string_view header) {
    if (header == "cancel") return OnDisconnect::cancel;
    if (header == "finish") return OnDisconnect::finish;
    return std::nullopt;
}

// What the handler writes for each event, made by plain functions: a coroutine keeps every
// local of its body in its frame, and every open stream holds the handler's frame.

std::string error_response(RequestRecord& record, const ApiError& e, bool keep_alive) {
    record.status = e.status;
    HttpResponse r;
    r.status = e.status;
    r.body = error_json(e);
    if (e.retry_after > 0) r.headers.emplace_back("Retry-After", std::to_string(e.retry_after));
    return response_bytes(r, keep_alive);
}

std::string text_delta_bytes(const AnswerIds& ids, const std::string& text) {
    std::string chunk, out;
    append_text_chunk(chunk, ids, text);
    append_chunk(out, chunk);
    return out;
}

std::string completed_bytes(RequestRecord& record, const AnswerIds& ids, const Result<std::string>& result,
                            bool streamed, bool include_usage, bool keep_alive) {
    record.outcome = "completed";
    record.usage = result.usage;
    std::string out;
    if (streamed) {
        append_chunk(out, finish_chunk(ids));
        if (include_usage) append_chunk(out, usage_chunk(ids, result.usage));
        append_chunk(out, done_event);
        out += last_chunk;
        return out;
    }
    record.status = 200;
    HttpResponse r;
    r.body = completion_json(ids, result.output, result.usage);
    return response_bytes(r, keep_alive);
}

std::string failure_bytes(RequestRecord& record, const StreamEvent<std::string>& event, const ServedAgent& served,
                          const Tenant* tenant, const std::optional<Seat>& seat, bool streamed, bool keep_alive) {
    record.outcome = event.kind == RunEvent::Kind::failed ? "failed" : "cancelled";
    record.usage = event.usage();
    ApiError e = error_for_run(event.error());
    if (e.code == "budget_exceeded" && seat && seat->cap &&
        (!served.agent.options().max_cost || *seat->cap < *served.agent.options().max_cost)) {
        // The ceiling was what the tenant's day had left, not the agent's own.
        e.code = "tenant_budget_exhausted";
        e.message = "tenant " + tenant->id + "'s daily budget has too little left for this run: " + e.message;
    }
    record.error = error_text(event.error());
    if (!streamed) return error_response(record, e, keep_alive);
    std::string out;
    append_chunk(out, error_event(e));
    out += last_chunk;
    return out;
}

// What an admitted request's answer needs while it streams.
struct Admitted {
    const ServedAgent* served = nullptr;
    const Tenant* tenant = nullptr;
    std::optional<Seat> seat{};
    OnDisconnect on_gone = OnDisconnect::cancel;
    AnswerIds ids{};
    bool streamed = false;
    bool include_usage = false;
    std::chrono::steady_clock::time_point started{};
};

// Who asks, what they ask, and whether it may run now: the refusal's bytes, or the run started
// (and `admitted`, `slot` filled). A plain function: a coroutine keeps every local of its body in
// its frame, and every open stream holds the handler's frame.
std::variant<std::string, RunStream<std::string>> admit(Server::State& state, const HttpRequest& request,
                                                        RequestRecord& record, Admitted& admitted,
                                                        std::optional<RunSlot>& slot) {
    const bool keep_alive = request.keep_alive && !state.draining;
    auto refuse = [&](const ApiError& e) { return error_response(record, e, keep_alive); };

    // Who asks, before what they ask: a stranger learns nothing of the agents.
    auto who = authenticate(state, request, record);
    if (auto* refusal = std::get_if<HttpResponse>(&who)) {
        record.status = refusal->status;
        return response_bytes(*refusal, keep_alive);
    }
    const Tenant* tenant = std::get<const Tenant*>(who);

    ChatCall call;
    RunOptions options;
    const ServedAgent* served = nullptr;
    std::optional<OnDisconnect> policy;
    try {
        call = read_chat_call(request.body);
        const auto it = state.agents.find(call.model);
        if (it == state.agents.end()) {
            throw ApiFailure(ApiError{404, "invalid_request_error", "The model `" + call.model + "` does not exist", "model",
                                      "model_not_found"});
        }
        served = &it->second;
        record.agent = call.model;
        const std::string_view conversation = request.header("x-agentroute-conversation");
        if (!conversation.empty()) {
            if (!served->agent.options().memory) {
                throw bad_request("agent " + call.model + " has no memory to keep conversations in",
                                  "X-Agentroute-Conversation");
            }
            if (!call.history.empty()) {
                throw bad_request("with X-Agentroute-Conversation send only the new user message: the server holds the rest",
                                  "messages");
            }
            options.conversation_id = stored_conversation_id(tenant, conversation);
        }
        // A malformed traceparent is ignored, as the W3C format asks: the run starts a trace.
        options.trace_parent = TraceContext::parse(request.header("traceparent"));
        const std::string_view on_disconnect = request.header("x-agentroute-on-disconnect");
        policy = disconnect_policy(on_disconnect);
        if (!on_disconnect.empty() && !policy) {
            throw bad_request("X-Agentroute-On-Disconnect must be cancel or finish", "X-Agentroute-On-Disconnect");
        }
    } catch (const ApiFailure& f) {
        return refuse(f.error);
    }
    if (state.draining) return refuse(ApiError{503, "server_error", "the server is shutting down", {}, "draining"});
    // Admission: a place under the cap, or 429 at once (never a queue).
    if (state.metrics.runs_in_flight.fetch_add(1, std::memory_order_relaxed) >=
        static_cast<std::int64_t>(state.options.max_concurrent_runs)) {
        state.metrics.runs_in_flight.fetch_sub(1, std::memory_order_relaxed);
        state.metrics.overloaded();
        const long retry_after = std::max<long>(1, static_cast<long>(state.options.retry_after.count()));
        return refuse(ApiError{429, "rate_limit_error", "the server is at its concurrent-run limit; retry later", {},
                               "rate_limit_exceeded", retry_after});
    }
    slot.emplace(state.metrics);
    if (tenant) {
        auto seat = state.ledger.admit(*tenant, served->agent.options().max_cost);
        if (auto* refusal = std::get_if<ApiError>(&seat)) {
            slot.reset();
            if (refusal->status == 429) state.metrics.overloaded();
            return refuse(*refusal);
        }
        admitted.seat = std::get<Seat>(seat);
        if (admitted.seat->cap) options.max_cost = admitted.seat->cap;  // what the tenant's day has left, at most
        options.deps = Deps(std::make_shared<const Caller>(state.ledger.caller(*tenant)));
    }

    admitted.served = served;
    admitted.tenant = tenant;
    admitted.on_gone = policy.value_or(served->on_disconnect);
    admitted.ids = AnswerIds{completion_id(), unix_now(), call.model};
    admitted.streamed = call.stream;
    admitted.include_usage = call.include_usage;
    admitted.started = std::chrono::steady_clock::now();
    options.message_history = std::move(call.history);
    options.settings = std::move(call.settings);
    options.attachments = std::move(call.attachments);
    StreamOptions stream_options;
    if (call.stream) {
        stream_options.events = {RunEvent::Kind::text_delta, RunEvent::Kind::tool_call};
    } else {
        stream_options.events = EventKinds(std::initializer_list<RunEvent::Kind>{});  // the terminal event only
    }
    return served->agent.stream(std::move(call.prompt), std::move(options), std::move(stream_options));
}

}  // namespace

asio::awaitable<void> answer_chat(Server::State& state, const HttpRequest& request, Link& link, RequestRecord& record) {
    record.endpoint = "/v1/chat/completions";
    // Asked when each head is written: a drain that began meanwhile closes the connection.
    auto keep_alive = [&] { return request.keep_alive && !state.draining; };
    Admitted admitted;
    std::optional<RunSlot> slot;
    auto admission = admit(state, request, record, admitted, slot);
    if (auto* refusal = std::get_if<std::string>(&admission)) {
        co_await link.write(*refusal);
        co_return;
    }
    auto& stream = std::get<RunStream<std::string>>(admission);
    const ServedAgent& served = *admitted.served;
    const AnswerIds& ids = admitted.ids;
    const OnDisconnect on_gone = admitted.on_gone;
    const bool streamed = admitted.streamed;

    // A drain past its deadline cancels the run, on this connection's executor.
    const auto executor = co_await asio::this_coro::executor;
    const auto alive = std::make_shared<bool>(true);
    const std::uint64_t canceller = state.run_cancellers.add([executor, alive, &stream] {
        asio::post(executor, [alive, &stream] {
            if (*alive) stream.cancel();
        });
    });
    bool gone = false;
    link.watch([&] {
        gone = true;
        if (on_gone == OnDisconnect::cancel) stream.cancel();
    });
    auto write = [&](std::string_view bytes) -> asio::awaitable<void> {
        if (gone) co_return;
        if (!co_await link.write(bytes)) {
            gone = true;
            if (on_gone == OnDisconnect::cancel) stream.cancel();
        }
    };

    record.streamed = streamed;
    if (streamed) {
        record.status = 200;
        std::string head = response_head(200, "text/event-stream", -1, keep_alive(), {{"Cache-Control", "no-cache"}});
        append_chunk(head, role_chunk(ids));
        co_await write(head);
    }
    // Counted before the last bytes go out: a client that has its answer sees it in /metrics
    // and in its tenant's spend.
    bool counted = false;
    auto count_run = [&]() -> asio::awaitable<void> {
        counted = true;
        state.metrics.run(ids.model, record.outcome, record.usage);
        if (admitted.seat) co_await state.ledger.settle(*admitted.seat, record.usage.total_cost_usd);
    };
    bool first_text = true;
    std::string out;
    while (auto event = co_await stream.next()) {
        switch (event->kind) {
            case RunEvent::Kind::text_delta:
                if (first_text) {
                    first_text = false;
                    state.metrics.first_token(ids.model, std::chrono::steady_clock::now() - admitted.started);
                }
                if (gone) break;
                out = text_delta_bytes(ids, event->text);
                co_await write(out);
                break;
            case RunEvent::Kind::tool_call:
                if (gone) break;
                out.clear();
                append_chunk(out, progress_comment("tool " + event->call().name + " called"));
                co_await write(out);
                break;
            case RunEvent::Kind::completed:
                out = completed_bytes(record, ids, *event->result(), streamed, admitted.include_usage, keep_alive());
                co_await count_run();
                co_await write(out);
                break;
            case RunEvent::Kind::failed:
            case RunEvent::Kind::cancelled:
                out = failure_bytes(record, *event, served, admitted.tenant, admitted.seat, streamed, keep_alive());
                co_await count_run();
                co_await write(out);
                break;
            default:
                break;
        }
    }
    *alive = false;
    state.run_cancellers.remove(canceller);
    co_await link.unwatch();
    record.client_gone = gone;
    if (gone) record.status = 499;  // nginx's "client closed request", streamed or not
    if (!counted) co_await count_run();
}

}  // namespace agentroute::serve::detail
