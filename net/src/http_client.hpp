#pragma once

#include "connection_pool.hpp"
#include "https_connection.hpp"

#include <agentroute/net/https_options.hpp>

#include <boost/asio/awaitable.hpp>

#include <memory>
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
    boost::asio::awaitable<std::size_t> preconnect(Endpoint target, std::size_t count);

    const HttpsOptions& options() const noexcept { return options_; }
    ConnectionPool& pool() noexcept { return *pool_; }

private:
    HttpsOptions options_;
    TlsContext tls_;
    std::shared_ptr<ConnectionPool> pool_;
};

}  // namespace agentroute::net::detail
