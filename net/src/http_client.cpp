#include "http_client.hpp"

#include "url.hpp"

#include <boost/asio/this_coro.hpp>

#include <map>
#include <mutex>
#include <tuple>

namespace agentroute::net::detail {

namespace asio = boost::asio;

HttpClient::HttpClient(HttpsOptions options)
    : options_(std::move(options)),
      tls_(options_.ca_file, options_.max_concurrent_handshakes),
      pool_(std::make_shared<ConnectionPool>(options_.max_connections_per_host, options_.pool_idle_timeout)) {}

std::shared_ptr<HttpClient> HttpClient::shared(const HttpsOptions& o) {
    using Key = std::tuple<std::string, long long, long long, long long, long long, std::size_t,
                           std::size_t, long long, std::string, std::size_t>;
    static std::mutex mutex;
    static std::map<Key, std::weak_ptr<HttpClient>> clients;
    const Key key{o.ca_file, o.connect_timeout.count(), o.handshake_timeout.count(),
                  o.header_timeout.count(), o.idle_timeout.count(), o.max_response_bytes,
                  o.max_connections_per_host, o.pool_idle_timeout.count(), o.proxy, o.max_concurrent_handshakes};
    std::lock_guard lock(mutex);
    if (auto existing = clients[key].lock()) return existing;
    auto client = std::make_shared<HttpClient>(o);
    clients[key] = client;
    return client;
}

namespace {

// Gives the pool slot back however the exchange ends (errors, exceptions, cancellation).
struct Lease {
    ConnectionPool& pool;
    ConnectionPool::Key key;
    std::unique_ptr<HttpsConnection> connection;
    ~Lease() { pool.release(key, std::move(connection)); }
};

}  // namespace

asio::awaitable<ExchangeResult> HttpClient::exchange(Endpoint target, const HttpRequest& request,
                                                     const BodySink& sink) {
    auto executor = co_await asio::this_coro::executor;
    asio::execution_context& context = asio::query(executor, asio::execution::context);
    pool_->watch(context);
    ConnectionPool::Key key{target, &context};
    for (int attempt = 0;; ++attempt) {
        auto pooled = co_await pool_->acquire(key);
        Lease lease{*pool_, key, std::move(pooled)};
        const bool reused = lease.connection != nullptr;
        if (!reused) {
            std::optional<Endpoint> proxy = proxy_for(target.host, options_.proxy);
            auto [ec, connection] = co_await HttpsConnection::connect(tls_, target, proxy, options_);
            if (ec) co_return ExchangeResult{ec, {}, false};
            lease.connection = std::move(connection);
        }
        ExchangeResult result = co_await lease.connection->exchange(request, sink, options_);
        // A kept-alive connection the server has closed fails before any response byte: that
        // request never reached the server, so it is safe to send again on a fresh connection.
        if (result.ec && reused && !result.response_started && attempt == 0) continue;
        co_return result;
    }
}

}  // namespace agentroute::net::detail
