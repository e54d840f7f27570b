#pragma once

#include "connection_pool.hpp"
#include "https_connection.hpp"

#include <agentroute/net/https_options.hpp>

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>

namespace agentroute::net::detail {

/// TLS settings, a connection pool and the request/response exchange with one transparent
/// retry when a kept-alive connection turns out to be closed by the server.
class HttpClient {
public:
    explicit HttpClient(HttpsOptions options);

    /// The client for `options`, shared process-wide by every model with the same CA file and
    /// limits, so all runs share one pool.
    static std::shared_ptr<HttpClient> shared(const HttpsOptions& options);

    /// Sends `request` to `target` and streams the body into `sink`.
    boost::asio::awaitable<ExchangeResult> exchange(Endpoint target, const HttpRequest& request,
                                                    const BodySink& sink);

    /// Opens up to `count` connections to `target` on the caller's execution context and leaves
    /// them idle in the pool; returns how many are open (idle ones already there included).
    /// With HTTP/2: opens as many connections as `count` concurrent exchanges need and returns
    /// how many exchanges they have room for (up to `count`).
    boost::asio::awaitable<std::size_t> preconnect(Endpoint target, std::size_t count);

    const HttpsOptions& options() const noexcept { return options_; }
    ConnectionPool& pool() noexcept { return *pool_; }

private:
    struct H2Opened {
        boost::system::error_code ec;
        std::shared_ptr<H2Connection> connection;  // null and no error: the host chose HTTP/1.1
    };
    // The exchange over HTTP/2; nullopt when the host speaks HTTP/1.1 only.
    boost::asio::awaitable<std::optional<ExchangeResult>> exchange_h2(const ConnectionPool::Key& key,
                                                                      const HttpRequest& request,
                                                                      const BodySink& sink);
    // Opens a connection offering h2 in this caller's `open_one` turn, and ends the turn.
    boost::asio::awaitable<H2Opened> open_h2(const ConnectionPool::Key& key);

    HttpsOptions options_;
    TlsContext tls_;
    std::shared_ptr<ConnectionPool> pool_;
};

}  // namespace agentroute::net::detail
