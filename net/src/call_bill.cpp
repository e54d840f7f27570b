#include "call_bill.hpp"

#include <agentroute/detail/exact_json.hpp>

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

// `work` in a fresh coroutine, for at most `within`: its cancellation is the timer's (and the
// caller's, if it has one), its failure or lateness `fallback`.
template <class T>
asio::awaitable<T> within_time(asio::awaitable<T> work, std::chrono::milliseconds within, T fallback) {
    const auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor, within);
    auto [order, error, result, timer_ec] =
        co_await asio::experimental::make_parallel_group(asio::co_spawn(executor, std::move(work), asio::deferred),
                                                         timer.async_wait(asio::deferred))
            .async_wait(asio::experimental::wait_for_one(), asio::as_tuple(asio::use_awaitable));
    (void)timer_ec;
    if (order[0] == 0 && !error) co_return std::move(result);
    co_return fallback;
}

// The bill, asked for until it is there; nothing when the server says something else.
asio::awaitable<std::optional<Usage>> ask_for_bill(const BillDesk& desk, std::string generation_id) {
    if (generation_id.empty()) co_return std::nullopt;
    const std::string target = desk.url.path + "/generation?id=" + generation_id;
    for (;;) {
        HttpRequest request;
        request.method = "GET";
        request.target = target;
        request.fields = desk.fields;
        std::string body;
        BodySink sink = [&body](std::string_view chunk) {
            if (body.size() < 64 * 1024) body.append(chunk);
            return true;
        };
        ExchangeResult result = co_await desk.client.exchange(desk.url.endpoint, request, sink);
        if (!result.ec && result.head.status == 200) co_return parse_generation_bill(body);
        if (result.ec || result.head.status != 404) co_return std::nullopt;
        asio::steady_timer pause(co_await asio::this_coro::executor, not_found_pause);
        co_await pause.async_wait(asio::use_awaitable);
    }
}

asio::awaitable<std::optional<ModelPrice>> ask_for_price(const BillDesk& desk) { co_return co_await desk.price(); }

Bill unknown_cost(Usage tokens) {
    tokens.total_cost_usd = 0;
    tokens.cost_unknown = true;
    return Bill{tokens, CostSource::unknown};
}

// One call of `request_bytes / 3` prompt tokens, its cost still to be priced.
Usage estimated_tokens(std::size_t request_bytes) {
    Usage u;
    u.model_calls = 1;
    u.cost_estimated = true;
    u.input_tokens = estimated_tokens_for_request_bytes(request_bytes);
    return u;
}

asio::awaitable<Bill> settle_abandoned(const BillDesk& desk, std::string generation_id, std::size_t request_bytes) {
    if (std::optional<Usage> bill = co_await ask_for_bill(desk, std::move(generation_id))) {
        bill->model_calls = 1;
        co_return Bill{*bill, CostSource::generation};
    }
    Usage u = estimated_tokens(request_bytes);
    if (std::optional<ModelPrice> price = co_await desk.price()) {
        u.total_cost_usd = static_cast<double>(u.input_tokens) * price->prompt + price->request;
        co_return Bill{u, CostSource::estimated};
    }
    co_return unknown_cost(u);
}

}  // namespace

std::optional<Usage> parse_generation_bill(std::string_view body) {
    boost::system::error_code ec;
    const json::value v = agentroute::detail::parse_json_exactly(body, ec);
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

asio::awaitable<Bill> bill_for_answer(const BillDesk& desk, std::string generation_id, Usage tokens,
                                      bool tokens_known, std::chrono::milliseconds within) {
    std::optional<Usage> bill =
        co_await within_time(ask_for_bill(desk, std::move(generation_id)), within, std::optional<Usage>());
    if (bill) {
        // The answer's own counts (with their cache and reasoning details) stand; the bill's
        // fill in for an answer that had none.
        Usage u = tokens;
        if (!tokens_known) {
            u.input_tokens = bill->input_tokens;
            u.output_tokens = bill->output_tokens;
        }
        u.total_cost_usd = bill->total_cost_usd;
        co_return Bill{u, CostSource::generation};
    }
    if (tokens_known) {
        std::optional<ModelPrice> price =
            co_await within_time(ask_for_price(desk), within, std::optional<ModelPrice>());
        if (price) {
            Usage u = tokens;
            u.total_cost_usd = static_cast<double>(u.input_tokens) * price->prompt +
                               static_cast<double>(u.output_tokens) * price->completion + price->request;
            u.cost_estimated = true;
            co_return Bill{u, CostSource::estimated};
        }
    }
    co_return unknown_cost(tokens);
}

asio::awaitable<Bill> bill_for_abandoned(const BillDesk& desk, std::string generation_id,
                                         std::size_t request_bytes, std::chrono::milliseconds within) {
    // Out of time even for the catalogue: the tokens are estimated, their price is not known.
    co_return co_await within_time(settle_abandoned(desk, std::move(generation_id), request_bytes), within,
                                   unknown_cost(estimated_tokens(request_bytes)));
}

}  // namespace agentroute::net::detail
