#pragma once

// What a chat call cost when its answer does not say. Asked of OpenRouter by the generation id
// (`GET /generation?id=`), else estimated from the catalogue price, else unknown, and said
// which (`CostSource`). For an answer without `usage.cost`, and for a call its run abandoned
// after sending it (cancelled, or out of time): the server may have billed it, so it must
// reach the run's usage all the same.

#include "http_client.hpp"
#include "url.hpp"

#include <agentroute/model.hpp>
#include <agentroute/usage.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace agentroute::net::detail {

/// A call's usage and where its cost comes from.
struct Bill {
    Usage usage;
    CostSource source = CostSource::billed;
};

/// `GET /generation`'s bill: {"data": {"total_cost", "tokens_prompt", "tokens_completion"}}.
/// Nothing when the body is not one, or its numbers are no amounts or counts.
std::optional<Usage> parse_generation_bill(std::string_view body);

/// Where bills and prices are asked for: the model's endpoint, its header lines (the key) and
/// its catalogue price.
struct BillDesk {
    HttpClient& client;
    const HttpsUrl& url;
    std::string_view fields;
    std::function<boost::asio::awaitable<std::optional<ModelPrice>>()> price;
};

/// An answer that had tokens (`tokens_known`) but no cost, priced: the generation's bill,
/// asked for until it is found or `within` has passed (OpenRouter may answer 404 for a moment
/// after a request ended); else the tokens at the catalogue price (`estimated`), looked up
/// within `within` again; else `unknown` (`Usage::cost_unknown`, $0). Never throws: a
/// cancellation meanwhile ends the lookups, not the count.
boost::asio::awaitable<Bill> bill_for_answer(const BillDesk& desk, std::string generation_id, Usage tokens,
                                             bool tokens_known, std::chrono::milliseconds within);

/// An abandoned call's bill (one model call): the generation's bill as above; else an
/// estimate, `cost_estimated`: the request's bytes / 3 as prompt tokens (a JSON request holds
/// more characters per token than prose, so this errs high) at the catalogue's prompt price;
/// `unknown` when the price cannot be had either. All within `within`. Not cancellable: the
/// caller's run is already cancelled.
boost::asio::awaitable<Bill> bill_for_abandoned(const BillDesk& desk, std::string generation_id,
                                                std::size_t request_bytes, std::chrono::milliseconds within);

}  // namespace agentroute::net::detail
