#pragma once

#include "http_client.hpp"
#include "url.hpp"

#include <agentroute/net/openrouter_model.hpp>

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace agentroute::net::detail {

/// OpenRouter's model catalogue (`GET /models`): prices are decimal strings in USD per token.
class Catalogue {
public:
    /// Parses a `/models` body; throws `ErrorProtocol` when it is not one.
    static std::shared_ptr<const Catalogue> parse(std::string_view body);

    /// The catalogue of `url`'s endpoint, fetched once per process (a failed fetch is retried
    /// after a minute); null when it cannot be had.
    static boost::asio::awaitable<std::shared_ptr<const Catalogue>> for_endpoint(
        HttpClient& client, const HttpsUrl& url, std::string_view fields);

    std::optional<ModelPrice> price(const std::string& slug) const;
    std::vector<CatalogueEntry> entries() const { return entries_; }

private:
    std::vector<CatalogueEntry> entries_;
    std::unordered_map<std::string, std::size_t> by_id_;
};

/// Parses a `/key` body.
KeyInfo parse_key_info(std::string_view body);

}  // namespace agentroute::net::detail
