#include "http_client.hpp"

#include <agentroute/net/pool_stats.hpp>

#include "net_error.hpp"
#include "url.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <map>
#include <mutex>
#include <tuple>

namespace agentroute::net::detail {

namespace asio = boost::asio;

HttpClient::HttpClient(HttpsOptions options)
    : options_(std::move(options)),
      tls_(options_.ca_file, options_.max_concurrent_handshakes),
      pool_(std::make_shared<ConnectionPool>(options_.max_connections_per_host, options_.pool_idle_timeout)) {}

namespace {

using ClientKey = std::tuple<std::string, long long, long long, long long, long long, std::size_t,
                             std::size_t, long long, std::string, std::size_t, bool>;

// Every shared client, by the options that make two the same; weak, so that a client goes
// when its last model does.
struct SharedClients {
    std::mutex mutex;
    std::map<ClientKey, std::weak_ptr<HttpClient>> clients;
};

SharedClients& shared_clients() {
    static SharedClients registry;
    return registry;
}

}  // namespace

std::shared_ptr<HttpClient> HttpClient::shared(const HttpsOptions& o) {
    const ClientKey key{o.ca_file, o.connect_timeout.count(), o.handshake_timeout.count(),
                        o.header_timeout.count(), o.idle_timeout.count(), o.max_response_bytes,
                        o.max_connections_per_host, o.pool_idle_timeout.count(), o.proxy, o.max_concurrent_handshakes, o.http2};
    SharedClients& registry = shared_clients();
    std::lock_guard lock(registry.mutex);
    if (auto existing = registry.clients[key].lock()) return existing;
    auto client = std::make_shared<HttpClient>(o);
    registry.clients[key] = client;
    return client;
}

}  // namespace agentroute::net::detail

namespace agentroute::net {

std::size_t open_connections() {
    detail::SharedClients& registry = detail::shared_clients();
    std::lock_guard lock(registry.mutex);
    std::size_t open = 0;
    for (const auto& [key, weak] : registry.clients) {
        if (auto client = weak.lock()) open += client->pool().open_connections();
    }
    return open;
}

}  // namespace agentroute::net

namespace agentroute::net::detail {

namespace {

// A pool slot (and its connection, once there is one): given back however the holder ends
// (errors, exceptions, cancellation), unless handed over.
struct Lease {
    ConnectionPool* pool;
    ConnectionPool::Key key;
    std::unique_ptr<HttpsConnection> connection;
    ~Lease() {
        if (pool != nullptr) pool->release(key, std::move(connection));
    }
    std::unique_ptr<HttpsConnection> hand_over() {
        pool = nullptr;
        return std::move(connection);
    }
};

}  // namespace

asio::awaitable<ExchangeResult> HttpClient::exchange(const Endpoint& target, HttpRequest& request,
                                                     const BodySink& sink) {
    // Not a coroutine: the path is chosen before a frame exists, so an exchange in flight holds
    // one frame of this layer, not one per layer it passed through.
    if (options_.http2 && !pool_->speaks_http1_only(target)) return exchange_h2(target, request, sink);
    return exchange_h1(target, request, sink);
}

ConnectionPool::Key HttpClient::pool_key(const asio::any_io_executor& executor, const Endpoint& target) {
    asio::execution_context& context = asio::query(executor, asio::execution::context);
    pool_->watch(context);
    return ConnectionPool::Key{target, &context};
}

asio::awaitable<ExchangeResult> HttpClient::exchange_h1(const Endpoint& target, HttpRequest& request,
                                                        const BodySink& sink) {
    const auto executor = co_await asio::this_coro::executor;
    const ConnectionPool::Key key = pool_key(executor, target);
    for (int attempt = 0;; ++attempt) {
        // Two statements: GCC 12 mis-compiles a co_await inside a braced initializer.
        auto pooled = co_await pool_->acquire(key);
        Lease lease{pool_.get(), key, std::move(pooled)};
        const bool reused = lease.connection != nullptr;
        if (!reused) {
            const std::optional<Endpoint> proxy = proxy_for(target.host, options_.proxy);
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

asio::awaitable<ExchangeResult> HttpClient::exchange_h2(const Endpoint& target, HttpRequest& request,
                                                        const BodySink& sink) {
    const auto executor = co_await asio::this_coro::executor;
    const ConnectionPool::Key key = pool_key(executor, target);
    for (int attempt = 0;; ++attempt) {
        ConnectionPool::H2Slot slot = co_await pool_->acquire_h2(key);
        if (slot.failed) co_return ExchangeResult{slot.failed, {}, false};
        if (slot.open_one) {
            auto opened = co_await open_h2(key);
            if (opened.ec) co_return ExchangeResult{opened.ec, {}, false};
            slot.reserved = std::move(opened.reserved);  // empty: the host declined h2
        }
        if (!slot.reserved) break;
        ExchangeResult result = co_await H2Connection::exchange(std::move(slot.reserved), request, sink, options_);
        // A refused stream (GOAWAY, REFUSED_STREAM) was not processed: send it once more on
        // another connection. Not a stream whose connection broke: the server may have
        // processed (and billed) it; the retry policy decides on those.
        if (result.ec == error::stream_refused && attempt == 0) continue;
        co_return result;
    }
    // The host speaks HTTP/1.1 only (the pool noted it): this exchange goes there, later ones
    // go there directly.
    co_return co_await exchange_h1(target, request, sink);
}

asio::awaitable<HttpClient::H2Opened> HttpClient::open_h2(const ConnectionPool::Key& key) {
    ConnectionPool::H2Opening turn(*pool_, key);
    const std::optional<Endpoint> proxy = proxy_for(key.endpoint.host, options_.proxy);
    auto [ec, connection] = co_await HttpsConnection::connect(tls_, key.endpoint, proxy, options_, /*offer_http2=*/true);
    if (ec == boost::asio::error::operation_aborted) {
        co_return H2Opened{ec, {}};  // this run was cancelled: `turn` hands the opening on
    }
    if (ec) {
        turn.end().h2_failed(key, ec);
        co_return H2Opened{ec, {}};
    }
    if (!connection->http2()) {
        turn.end().h2_declined(key, std::move(connection));
        co_return H2Opened{};
    }
    auto h2 = H2Connection::start(std::move(connection), key.endpoint);
    H2Connection::Reservation own = h2->try_reserve();  // the opener's stream: a fresh connection has room
    // Empty only if the connection failed already (its preface is written on any thread): say
    // so, for an empty slot in H2Opened means "the host declined h2".
    if (!own) {
        const auto refused = make_error_code(error::stream_refused);
        turn.end().h2_failed(key, refused);
        co_return H2Opened{refused, {}};
    }
    // The server's SETTINGS, right behind the handshake, say how many streams it takes. Before
    // them the runs waiting for this opening would fill it to the 100 assumed until then, and
    // open two or three connections where one would do (Cloudflare allows 256).
    co_await h2->settings_received(options_.handshake_timeout);
    turn.end().h2_opened(key, std::move(h2));
    co_return H2Opened{{}, std::move(own)};
}

asio::awaitable<std::size_t> HttpClient::preconnect(Endpoint target, std::size_t count) {
    auto executor = co_await asio::this_coro::executor;
    const ConnectionPool::Key key = pool_key(executor, target);
    const std::optional<Endpoint> proxy = proxy_for(target.host, options_.proxy);
    if (options_.http2 && !pool_->speaks_http1_only(target)) {
        // Take `count` stream slots, opening connections as they fill up, then give them back:
        // the connections stay, with room for `count` exchanges at once.
        // Slots held so far, given back however this ends (a cancelled preconnect too).
        std::vector<H2Connection::Reservation> held;
        bool declined = false;
        while (held.size() < count) {
            ConnectionPool::H2Slot slot = co_await pool_->acquire_h2(key);
            if (slot.open_one) {
                H2Opened opened = co_await open_h2(key);
                slot.reserved = std::move(opened.reserved);
                declined = !slot.reserved && !opened.ec;
            }
            declined = declined || slot.http1;
            if (!slot.reserved) break;
            held.push_back(std::move(slot.reserved));
        }
        if (!declined) co_return held.size();
        // The host speaks HTTP/1.1 only: open those.
    }

    // Each child holds what it got until all are done, so an idle connection is counted once
    // rather than taken, given back and taken again. So a child never waits for a slot: at the
    // host's limit only the others' leases could free one, and they are held until all are
    // done. It takes what is free now, or gives up (not counted).
    auto open_one = [this, key, target, proxy]() -> asio::awaitable<std::unique_ptr<HttpsConnection>> {
        std::optional<std::unique_ptr<HttpsConnection>> pooled = pool_->try_acquire(key);
        if (!pooled) co_return nullptr;  // at the limit: room for no more
        Lease lease{pool_.get(), key, std::move(*pooled)};
        if (!lease.connection) {
            auto [ec, connection] = co_await HttpsConnection::connect(tls_, target, proxy, options_);
            if (ec) co_return nullptr;  // the lease gives the slot back
            lease.connection = std::move(connection);
        }
        co_return lease.hand_over();
    };
    using Op = decltype(asio::co_spawn(executor, open_one(), asio::deferred));
    std::vector<Op> ops;
    ops.reserve(count);
    for (std::size_t i = 0; i < count; ++i) ops.push_back(asio::co_spawn(executor, open_one(), asio::deferred));
    auto [order, errors, connections] = co_await asio::experimental::make_parallel_group(std::move(ops))
                                            .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    std::size_t open = 0;
    for (auto& connection : connections) {
        if (!connection) continue;
        ++open;
        pool_->release(key, std::move(connection));
    }
    co_return open;
}

}  // namespace agentroute::net::detail
