#pragma once

// What a chat request cost when its run abandoned it after sending it (cancelled, or out of
// time): the server may have billed it, so it must reach the run's usage all the same. Asked
// of OpenRouter by the generation id the answer's head named (`GET /generation?id=`), else
// estimated from the request's size and the catalogue price, and marked estimated.

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

/// `GET /generation`'s bill: {"data": {"total_cost", "tokens_prompt", "tokens_completion"}}.
/// Nothing when the body is not one, or its numbers are no amounts or counts.
std::optional<Usage> parse_generation_bill(std::string_view body);

/// Where the bill is asked for, and what to estimate from when it cannot be had.
struct AbandonedCall {
    HttpClient& client;
    const HttpsUrl& url;
    std::string_view fields;       ///< the model's header lines (the key)
    std::string generation_id;     ///< from the answer's head; empty when no head came
    std::size_t request_bytes = 0; ///< the request body's size, for the estimate
    /// The catalogue price of the model, for the estimate.
    std::function<boost::asio::awaitable<std::optional<ModelPrice>>()> price;
};

/// The call's usage (one model call): the generation's bill, asked for until it is found or
/// `within` has passed (OpenRouter may answer 404 for a moment after the request ended); else
/// an estimate, `cost_estimated`: the request's bytes / 3 as prompt tokens (a JSON request
/// holds more characters per token than prose, so this errs high) at the catalogue's prompt
/// price. Not cancellable: the caller's run is already cancelled.
boost::asio::awaitable<Usage> abandoned_call_usage(AbandonedCall call, std::chrono::milliseconds within);

}  // namespace agentroute::net::detail
