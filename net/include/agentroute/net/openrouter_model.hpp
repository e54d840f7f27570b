#pragma once

#include <agentroute/model.hpp>
#include <agentroute/net/https_options.hpp>
#include <agentroute/net/retry_options.hpp>

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace agentroute {

/// How to reach a model through OpenRouter (or any OpenAI-compatible HTTPS endpoint).
struct OpenRouterOptions {
    /// The full slug, e.g. "anthropic/claude-sonnet-4" (see `resolve_model` for bare names).
    std::string model{};
    /// The key; never logged nor put in an error message. Empty: the first request fails with
    /// `ErrorConfig` naming every place a key is looked for.
    std::string api_key{};
    std::string base_url = "https://openrouter.ai/api/v1";
    /// Stream answers (SSE). Text arrives through `ModelRequest::on_text_delta` as it comes.
    bool stream = true;
    /// OpenRouter's `models`: tried in order when the main model is unavailable.
    std::vector<std::string> fallback_models{};
    /// OpenRouter's `provider` preferences as JSON object text, e.g. R"({"sort":"throughput"})".
    std::string provider{};
    /// App attribution: `HTTP-Referer` and `X-Title`.
    std::string app_url{};
    std::string app_title{};
    HttpsOptions https{};
    RetryOptions retry{};
};

/// One entry of OpenRouter's model catalogue.
struct CatalogueEntry {
    std::string id{};
    std::string name{};
    std::int64_t context_length = 0;
    ModelPrice price{};  ///< USD per token (and per request); zeros when not `priced`
    /// The catalogue gave a prompt and a completion price that are amounts (a router's
    /// variable price, listed as "-1", is none): only then are costs estimated from it.
    bool priced = false;
};

/// What `GET /key` says about the key in use.
struct KeyInfo {
    std::string label{};
    double usage_usd = 0;
    std::optional<double> limit_usd{};
    bool is_free_tier = false;
};

/// A model reached over HTTPS through OpenRouter: keep-alive pool, streaming, typed errors,
/// retries with backoff, cost from the bill (or estimated from the catalogue).
///
/// Thread safety: one object serves any number of concurrent runs on any executors.
class OpenRouterModel : public Model {
public:
    /// Throws `ErrorConfig` for a malformed base URL or an unreadable CA file.
    explicit OpenRouterModel(OpenRouterOptions options);
    ~OpenRouterModel() override;

    const std::string& name() const noexcept override;
    boost::asio::awaitable<ModelResponse> request(ModelRequest request) override;
    /// The model's catalogue price (`GET /models`, fetched once per process and base URL).
    boost::asio::awaitable<std::optional<ModelPrice>> price() override;

    /// The whole catalogue (`GET /models`).
    boost::asio::awaitable<std::vector<CatalogueEntry>> list_models();
    /// The key's label, usage and limit (`GET /key`); throws `ErrorAuth` for a wrong key.
    boost::asio::awaitable<KeyInfo> key_info();

    /// Opens connections to the API host ahead of a burst (TCP and TLS done), so that up to
    /// `concurrent_requests` requests can start at once without connection set-up: over HTTP/1.1
    /// a connection each; over HTTP/2 as few as carry that many streams. They wait in the pool
    /// of the awaiting coroutine's execution context. Returns how many requests they have room
    /// for (up to `concurrent_requests`); a connection that cannot be opened is skipped, not
    /// thrown. HTTP/1.1 connections are bounded by `HttpsOptions::max_connections_per_host`;
    /// idle connections close after `pool_idle_timeout`.
    boost::asio::awaitable<std::size_t> preconnect(std::size_t concurrent_requests);

    const OpenRouterOptions& options() const noexcept;

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace agentroute
