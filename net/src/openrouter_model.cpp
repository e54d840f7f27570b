#include <agentroute/net/openrouter_model.hpp>

#include "call_bill.hpp"
#include "catalogue.hpp"
#include "error_mapping.hpp"
#include "http_client.hpp"
#include "openrouter_wire.hpp"
#include "retry_policy.hpp"
#include "sse_parser.hpp"
#include "redact.hpp"
#include "url.hpp"
#include "wire_numbers.hpp"

#include <agentroute/errors.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <variant>

namespace agentroute {

namespace asio = boost::asio;
using namespace net::detail;

struct OpenRouterModel::Impl {
    OpenRouterOptions options;
    HttpsUrl url;
    std::shared_ptr<HttpClient> client;
    WireOptions wire;  // built once: no copies or JSON parsing per request
    std::string fields;         // the fixed header lines, key included, serialized once
    std::string stream_fields;  // the same plus Accept: text/event-stream
    std::string chat_target;    // the path of /chat/completions
};

namespace {

constexpr std::size_t kept_error_bytes = 64 * 1024;

double retry_after_header(const HttpHead& head) {
    const std::string value = head.header("retry-after");
    if (value.empty()) return -1;
    char* end = nullptr;
    const double seconds = std::strtod(value.c_str(), &end);
    return end != value.c_str() ? retry_hint_seconds(seconds) : -1;  // HTTP-dates: no hint
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds delay) {
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    co_await timer.async_wait(asio::use_awaitable);  // cancellable: the run's cancel/deadline
}

// What one call has been billed, all its attempts together, and where the cost comes from:
// the least certain source of any attempt.
struct CallBill {
    Usage usage;
    CostSource source = CostSource::billed;
    std::optional<CostDetails> details;
    std::string generation_id;  ///< the last attempt's (its header's, else its answer's)
    int attempts = 0;

    void add(const Bill& bill) {
        usage += bill.usage;
        // A billed attempt makes the call a model call, also when it ends in an error; one
        // call however many of its attempts were billed.
        usage.model_calls = 1;
        source = std::max(source, bill.source);
    }
    void add_details(const CostDetails& d) {
        CostDetails& sum = details.emplace(details.value_or(CostDetails{}));
        sum.upstream_inference_cost += d.upstream_inference_cost;
        sum.upstream_prompt_cost += d.upstream_prompt_cost;
        sum.upstream_completion_cost += d.upstream_completion_cost;
    }
};

BillDesk bill_desk(OpenRouterModel& model, const OpenRouterModel::Impl& impl) {
    return BillDesk{*impl.client, impl.url, impl.fields, [&model] { return model.price(); }};
}

// An answer's usage joins the bill. One without a cost (older answers, some providers) is
// priced: OpenRouter's bill for the generation, else the catalogue, else marked unknown.
// `answered`: a real answer, which was billed even when it says nothing of its usage; an error
// without a usage object was not.
asio::awaitable<void> add_usage(OpenRouterModel& model, const OpenRouterModel::Impl& impl, CallBill& bill,
                                const WireUsage& call, const std::string& generation_id, bool answered) {
    if (call.cost_details) bill.add_details(*call.cost_details);
    if (call.cost_known) {
        bill.add(Bill{call.usage, CostSource::billed});
        co_return;
    }
    if (!call.present && !answered) co_return;
    // Named, not a temporary of the co_await: GCC 12 may destroy those twice.
    const BillDesk desk = bill_desk(model, impl);
    const Bill priced = co_await bill_for_answer(desk, generation_id, call.usage, call.present,
                                                 impl.options.https.settle_timeout);
    bill.add(priced);
}

bool is_cancellation(const boost::system::error_code& ec) { return ec == asio::error::operation_aborted; }

}  // namespace

OpenRouterModel::OpenRouterModel(OpenRouterOptions options) : impl_(std::make_shared<Impl>()) {
    impl_->options = std::move(options);
    impl_->url = parse_https_url(impl_->options.base_url);
    impl_->client = HttpClient::shared(impl_->options.https);
    const OpenRouterOptions& o = impl_->options;
    // with_required_parameters also validates the provider preferences (ErrorConfig).
    impl_->wire = WireOptions{o.model, o.stream, o.fallback_models, o.provider, with_required_parameters(o.provider)};
    std::string& h = impl_->fields;
    append_header(h, "Host", impl_->url.endpoint.port == "443" ? impl_->url.endpoint.host
                                                               : impl_->url.endpoint.host + ":" + impl_->url.endpoint.port);
    append_header(h, "User-Agent", "agentroute-cpp/0.1");
    append_header(h, "Content-Type", "application/json");
    try {
        if (!o.api_key.empty()) append_header(h, "Authorization", "Bearer " + o.api_key);
    } catch (const ErrorConfig&) {
        // The message never shows the key.
        throw ErrorConfig("the API key holds a line break (read from a file with its trailing newline?); "
                          "pass the key alone");
    }
    if (!o.app_url.empty()) append_header(h, "HTTP-Referer", o.app_url);
    if (!o.app_title.empty()) append_header(h, "X-Title", o.app_title);
    impl_->chat_target = impl_->url.path + "/chat/completions";
    impl_->stream_fields = h;
    append_header(impl_->stream_fields, "Accept", "text/event-stream");
}

OpenRouterModel::~OpenRouterModel() = default;

const std::string& OpenRouterModel::name() const noexcept { return impl_->options.model; }
const OpenRouterOptions& OpenRouterModel::options() const noexcept { return impl_->options; }

asio::awaitable<std::size_t> OpenRouterModel::preconnect(std::size_t concurrent_requests) {
    auto keep = impl_;  // the model may be released while this runs
    co_return co_await keep->client->preconnect(keep->url.endpoint, concurrent_requests);
}

namespace {

// One attempt's answer as it arrives. A streamed answer's parser state lives outside the
// coroutine frame: a plain answer (the common case at high concurrency) neither builds it nor
// carries its bytes.
struct Received {
    struct Streaming {
        StreamAccumulator answer;
        SseParser sse;
    };
    std::string body;
    std::unique_ptr<Streaming> streaming;
    BodySink sink;

    Received(bool stream, const ModelRequest& request) {
        if (stream) {
            streaming = std::make_unique<Streaming>(
                Streaming{StreamAccumulator(request.on_text_delta, request.on_delta), {}});
            sink = [this](std::string_view chunk) {
                if (body.size() < kept_error_bytes) body.append(chunk);  // for error bodies
                streaming->sse.feed(chunk, streaming->answer);
                return streaming->answer.take_progress();
            };
        } else {
            sink = [this](std::string_view chunk) {
                body.append(chunk);
                return chunk.find_first_not_of(" \t\r\n") != std::string_view::npos;
            };
        }
    }
    Received(const Received&) = delete;  // the sink points at this
    Received& operator=(const Received&) = delete;
};

// What one attempt came to: the answer, how long to wait before the next attempt, or the end
// of a cancelled call (its bill, if any, counted). The answer behind a pointer: a verdict is a
// local of the frame that waits for the answer, and every call in flight would hold its bytes.
struct Cancelled {};
using Verdict = std::variant<std::unique_ptr<ModelResponse>, std::chrono::milliseconds, Cancelled>;

[[noreturn]] void throw_with_usage(std::exception_ptr error, const Usage& spent) {
    try {
        std::rethrow_exception(error);
    } catch (ErrorAgent& e) {
        e.set_usage(spent);
        throw;
    }
}

// The record a failed call's error carries.
CallUsage failed_call(const OpenRouterOptions& o, const CallBill& bill) {
    CallUsage call;
    call.model = o.model;
    call.generation_id = bill.generation_id;
    call.usage = bill.usage;
    call.cost_source = bill.source;
    call.cost_details = bill.details;
    call.attempts = bill.attempts;
    call.failed = true;
    return call;
}

// Everything after the answer arrived, in a coroutine of its own: its locals (the parsed
// answer, error bodies) live only while it runs, not in the frame that waits for the answer.
asio::awaitable<Verdict> settle(OpenRouterModel& model, const OpenRouterModel::Impl& impl, ExchangeResult result,
                                Received& received, int attempt, CallBill& bill, bool streams_text) {
    const OpenRouterOptions& o = impl.options;
    bill.generation_id = result.head.header("x-generation-id");
    const std::string& generation_id = bill.generation_id;
    Usage& spent = bill.usage;
    if (result.ec) {
        const bool before_response = !result.response_started;
        if (auto delay = retry_delay(o.retry, attempt, before_response && is_retryable(result.ec), -1)) co_return *delay;
        throw_with_usage(to_exception(result.ec, impl.url.endpoint.host), spent);
    }
    if (result.head.status != 200) {
        WireError error = parse_error_body(result.head.status, received.body);
        if (error.retry_after_s < 0) error.retry_after_s = retry_after_header(result.head);
        if (auto delay = retry_delay(o.retry, attempt, is_retryable(error), error.retry_after_s)) co_return *delay;
        std::rethrow_exception(to_exception(error, o.model, generation_id, spent, o.api_key));
    }

    WireOutcome outcome;
    try {
        outcome = received.streaming ? received.streaming->answer.finish(generation_id)
                                     : parse_chat_body(received.body, generation_id);
    } catch (const ErrorProtocol& e) {
        // Its text quotes the body, which may echo the key.
        throw ErrorProtocol(redact_secrets(e.what(), o.api_key), spent);
    }
    if (generation_id.empty() && outcome.response) {
        bill.generation_id = outcome.response->generation_id;  // the body's id, when no header had one
    }
    co_await add_usage(model, impl, bill, outcome.usage, generation_id, outcome.response.has_value());
    if (outcome.usage.invalid != nullptr) {
        throw ErrorProtocol(std::string(outcome.usage.invalid) + " in the answer is not a token count", spent);
    }
    if (outcome.error) {
        // An error inside a 200 answer is retried only when no text reached the caller yet.
        const bool nothing_streamed = !received.streaming || !received.streaming->answer.saw_data() || !streams_text;
        if (auto delay = retry_delay(o.retry, attempt, nothing_streamed && is_retryable(*outcome.error),
                                     outcome.error->retry_after_s)) {
            co_return *delay;
        }
        std::rethrow_exception(to_exception(*outcome.error, o.model, generation_id, spent, o.api_key));
    }
    Verdict verdict{std::make_unique<ModelResponse>(std::move(*outcome.response))};
    ModelResponse& response = *std::get<std::unique_ptr<ModelResponse>>(verdict);
    response.usage = spent;
    response.usage.model_calls = std::max<std::int64_t>(1, spent.model_calls);
    response.cost_source = bill.source;
    response.cost_details = bill.details;
    response.attempts = bill.attempts;
    co_return verdict;
}

// A call its run abandoned after sending it may be billed all the same: its bill (or an
// estimate) joins the call's. An answer that was an error (its head said so) is not billed.
asio::awaitable<void> count_abandoned(OpenRouterModel& model, const OpenRouterModel::Impl& impl,
                                      const ExchangeResult& result, std::size_t request_bytes, CallBill& bill) {
    if (!result.request_sent || (result.head.status != 0 && result.head.status != 200)) co_return;
    bill.generation_id = result.head.header("x-generation-id");
    const BillDesk desk = bill_desk(model, impl);  // named: see add_usage
    const Bill settled = co_await bill_for_abandoned(desk, bill.generation_id, request_bytes,
                                                     impl.options.https.settle_timeout);
    bill.add(settled);
}

// Everything after an exchange, with throw_if_cancelled off (the caller's, or the abandoned
// exchange's, doing): the answer is read and counted even when the run is cancelled meanwhile,
// when any co_await would throw; an abandoned call's bill is settled. Turns throw_if_cancelled
// back on however it ends. A coroutine of its own, so that what it holds is not in the frame
// that waits for the answer.
asio::awaitable<Verdict> conclude(OpenRouterModel& model, const OpenRouterModel::Impl& impl, ExchangeResult result,
                                  Received& received, int attempt, CallBill& bill, bool streams_text,
                                  std::size_t request_bytes) {
    Verdict verdict{std::in_place_type<Cancelled>};
    std::exception_ptr failure;
    if (result.abandoned) {
        co_await count_abandoned(model, impl, result, request_bytes, bill);
    } else if (!is_cancellation(result.ec)) {  // cancelled before the request was whole: not billed
        try {
            verdict = co_await settle(model, impl, std::move(result), received, attempt, bill, streams_text);
        } catch (...) {
            failure = std::current_exception();
        }
    }
    co_await asio::this_coro::throw_if_cancelled(true);
    if (failure) std::rethrow_exception(failure);
    co_return verdict;
}

}  // namespace

asio::awaitable<ModelResponse> OpenRouterModel::request(ModelRequest request) {
    // This frame is what a call holds while its answer is on the way (thousands at once): it
    // keeps only what the attempts need; `settle` does the rest.
    auto impl = impl_;  // alive for the whole call
    const OpenRouterOptions& o = impl->options;
    if (o.api_key.empty()) {
        // Names the config file that was looked at (runtime's config_path(); net cannot use it).
        const char* config = std::getenv("AGENTROUTE_CONFIG");
        const std::string looked_at = config && *config ? std::string(config) + " (AGENTROUTE_CONFIG)" : "~/.agentroute/config";
        throw ErrorConfig("no OpenRouter API key: pass AgentOptions::api_key, set AGENTROUTE_API_KEY or "
                          "OPENROUTER_API_KEY, or run `agentroute login` (writes " + looked_at + ", which has no key)");
    }
    HttpRequest http;
    http.target = impl->chat_target;
    http.fields = o.stream ? impl->stream_fields : impl->fields;
    std::unique_ptr<std::string> traced_fields;  // only a traced call has header lines of its own
    if (request.trace) {
        traced_fields = std::make_unique<std::string>();
        traced_fields->reserve(http.fields.size() + 72);
        *traced_fields += http.fields;
        *traced_fields += "traceparent: ";  // hex and dashes only: nothing to check
        request.trace->append_traceparent(*traced_fields);
        *traced_fields += "\r\n";
        http.fields = *traced_fields;
    }
    http.body = build_chat_request(request, impl->wire);
    http.rebuild_body = [&request, &wire = impl->wire] { return build_chat_request(request, wire); };
    http.billable = true;
    const std::size_t request_bytes = http.body.size();
    // Every billed attempt reaches `bill`, and the bill reaches the caller however this ends: a
    // cancellation (the run's, or its deadline's) ends in ErrorCancelled carrying it, also when
    // it strikes in a back-off or while an answer's price is looked up; every error carries the
    // call's record.
    CallBill bill;
    try {
        for (int attempt = 0;; ++attempt) {
            bill.attempts = attempt + 1;
            Received received(o.stream, request);
            bool cancelled = false;
            try {
                // Both initialized from their co_await: no second answer or result in this frame,
                // which every call in flight holds.
                ExchangeResult result = co_await impl->client->exchange(impl->url.endpoint, http, received.sink);
                co_await asio::this_coro::throw_if_cancelled(false);  // see conclude
                Verdict verdict = co_await conclude(*this, *impl, std::move(result), received, attempt, bill,
                                                    request.on_text_delta != nullptr || request.on_delta != nullptr,
                                                    request_bytes);
                if (auto* answer = std::get_if<std::unique_ptr<ModelResponse>>(&verdict)) co_return std::move(**answer);
                if (const auto* delay = std::get_if<std::chrono::milliseconds>(&verdict)) {
                    co_await sleep_for(*delay);
                    continue;
                }
                cancelled = true;
            } catch (const boost::system::system_error& e) {
                if (!is_cancellation(e.code())) throw;
                cancelled = true;
            }
            if (cancelled) throw ErrorCancelled(bill.usage);
        }
    } catch (ErrorAgent& e) {
        e.set_usage(bill.usage);
        e.set_calls({failed_call(o, bill)});
        throw;
    }
}

asio::awaitable<std::optional<ModelPrice>> OpenRouterModel::price() {
    auto impl = impl_;
    auto catalogue = co_await Catalogue::for_endpoint(*impl->client, impl->url, impl->fields);
    if (!catalogue) co_return std::nullopt;
    co_return catalogue->price(impl->options.model);
}

asio::awaitable<std::vector<CatalogueEntry>> OpenRouterModel::list_models() {
    auto impl = impl_;
    auto catalogue = co_await Catalogue::for_endpoint(*impl->client, impl->url, impl->fields);
    if (!catalogue) throw ErrorNetwork("cannot fetch the model catalogue from " + impl->options.base_url);
    co_return catalogue->entries();
}

asio::awaitable<KeyInfo> OpenRouterModel::key_info() {
    auto impl = impl_;
    HttpRequest http;
    http.method = "GET";
    const std::string target = impl->url.path + "/key";
    http.target = target;
    http.fields = impl->fields;
    std::string body;
    BodySink sink = [&](std::string_view chunk) {
        body.append(chunk);
        return true;
    };
    ExchangeResult result = co_await impl->client->exchange(impl->url.endpoint, http, sink);
    if (result.ec) std::rethrow_exception(to_exception(result.ec, impl->url.endpoint.host));
    if (result.head.status != 200) {
        std::rethrow_exception(to_exception(parse_error_body(result.head.status, body), impl->options.model, {}, {},
                                            impl->options.api_key));
    }
    co_return parse_key_info(body);
}

}  // namespace agentroute
