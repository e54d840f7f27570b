#pragma once

#include "connection_pool.hpp"
#include "https_connection.hpp"

#include <agentroute/net/https_options.hpp>

#include <boost/asio/any_io_executor.hpp>
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

    /// Sends `request` to `target` and streams the body into `sink`. The caller keeps all three
    /// alive until this completes.
    boost::asio::awaitable<ExchangeResult> exchange(const Endpoint& target, HttpRequest& request,
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
        H2Connection::Reservation reserved;  // the opener's own slot; empty and no error: the host chose HTTP/1.1
    };
    // The exchange over HTTP/2, or over HTTP/1.1 when the host turns out to speak only that.
    boost::asio::awaitable<ExchangeResult> exchange_h2(const Endpoint& target, HttpRequest& request,
                                                       const BodySink& sink);
    // The exchange over HTTP/1.1, with one retry on a fresh connection when a kept-alive one
    // turns out closed.
    boost::asio::awaitable<ExchangeResult> exchange_h1(const Endpoint& target, HttpRequest& request,
                                                       const BodySink& sink);
    // The pool's key for `target` on the caller's execution context, watched for its shutdown.
    ConnectionPool::Key pool_key(const boost::asio::any_io_executor& executor, const Endpoint& target);
    // Opens a connection offering h2 in this caller's `open_one` turn, and ends the turn.
    boost::asio::awaitable<H2Opened> open_h2(const ConnectionPool::Key& key);

    HttpsOptions options_;
    TlsContext tls_;
    std::shared_ptr<ConnectionPool> pool_;
};

}  // namespace agentroute::net::detail
