#include "abandoned_bill.hpp"

#include "wire_numbers.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

namespace agentroute::net::detail {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::chrono::milliseconds not_found_pause{100};

std::optional<std::int64_t> count_at(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    if (!v || !v->is_number()) return std::nullopt;
    const double d = v->to_number<double>();
    const auto whole = whole_number(d);
    if (!whole || *whole < 0 || d != static_cast<double>(*whole)) return std::nullopt;
    return whole;
}

// The bill, asked for until it is there; nothing when the server says something else.
asio::awaitable<std::optional<Usage>> ask_for_bill(const AbandonedCall& call) {
    const std::string target = call.url.path + "/generation?id=" + call.generation_id;
    for (;;) {
        HttpRequest request;
        request.method = "GET";
        request.target = target;
        request.fields = call.fields;
        std::string body;
        BodySink sink = [&body](std::string_view chunk) {
            if (body.size() < 64 * 1024) body.append(chunk);
            return true;
        };
        ExchangeResult result = co_await call.client.exchange(call.url.endpoint, request, sink);
        if (!result.ec && result.head.status == 200) co_return parse_generation_bill(body);
        if (result.ec || result.head.status != 404) co_return std::nullopt;
        asio::steady_timer pause(co_await asio::this_coro::executor, not_found_pause);
        co_await pause.async_wait(asio::use_awaitable);
    }
}

// One call of `request_bytes / 3` prompt tokens, its cost still to be priced.
Usage estimated_tokens(std::size_t request_bytes) {
    Usage u;
    u.model_calls = 1;
    u.cost_estimated = true;
    u.input_tokens = estimated_tokens_for_request_bytes(request_bytes);
    return u;
}

asio::awaitable<Usage> estimate(const AbandonedCall& call) {
    Usage u = estimated_tokens(call.request_bytes);
    if (auto price = co_await call.price()) {
        u.total_cost_usd = static_cast<double>(u.input_tokens) * price->prompt + price->request;
    }
    co_return u;
}

asio::awaitable<Usage> settle_bill(AbandonedCall call) {
    if (!call.generation_id.empty()) {
        if (std::optional<Usage> bill = co_await ask_for_bill(call)) {
            bill->model_calls = 1;
            co_return *bill;
        }
    }
    co_return co_await estimate(call);
}

}  // namespace

std::optional<Usage> parse_generation_bill(std::string_view body) {
    boost::system::error_code ec;
    const json::value v = json::parse(body, ec);
    const json::value* data = !ec && v.is_object() ? v.get_object().if_contains("data") : nullptr;
    if (!data || !data->is_object()) return std::nullopt;
    const json::object& d = data->get_object();
    const json::value* cost = d.if_contains("total_cost");
    if (!cost || !cost->is_number()) return std::nullopt;
    const auto amount = finite_amount(cost->to_number<double>());
    if (!amount) return std::nullopt;
    Usage u;
    u.total_cost_usd = *amount;
    u.input_tokens = count_at(d, "tokens_prompt").value_or(0);
    u.output_tokens = count_at(d, "tokens_completion").value_or(0);
    return u;
}

asio::awaitable<Usage> abandoned_call_usage(AbandonedCall call, std::chrono::milliseconds within) {
    // A fresh coroutine: its cancellation is the timer's alone, not the abandoned run's.
    const auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor, within);
    const std::size_t request_bytes = call.request_bytes;
    auto [order, error, bill, timer_ec] =
        co_await asio::experimental::make_parallel_group(
            asio::co_spawn(executor, settle_bill(std::move(call)), asio::deferred), timer.async_wait(asio::deferred))
            .async_wait(asio::experimental::wait_for_one(), asio::as_tuple(asio::use_awaitable));
    (void)timer_ec;
    if (order[0] == 0 && !error) co_return bill;
    // Out of time even for the catalogue: the tokens are estimated, their price is not known.
    co_return estimated_tokens(request_bytes);
}

}  // namespace agentroute::net::detail
