#pragma once

// One HTTP/2 connection (RFC 9113) carrying many exchanges at once, over a TLS connection whose
// ALPN chose "h2". nghttp2 does the framing, HPACK and flow control; this class feeds it the
// socket and hands each response to the exchange that asked for it.
//
// Why: over HTTP/1.1 every concurrent model call needs its own TLS connection (~15 KB of
// OpenSSL state and a handshake each). Over HTTP/2 ten thousand calls share a few dozen.

#include "https_connection.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <memory>

namespace agentroute::net::detail {

class H2Connection {
public:
    struct Impl;

    /// Takes over `tls` (whose ALPN chose h2), sends the connection preface and starts reading,
    /// on a strand of the connection's executor.
    static std::shared_ptr<H2Connection> start(std::unique_ptr<HttpsConnection> tls, const Endpoint& target);
    explicit H2Connection(std::shared_ptr<Impl> impl);
    ~H2Connection();
    H2Connection(const H2Connection&) = delete;
    H2Connection& operator=(const H2Connection&) = delete;

    /// Takes one of the connection's stream slots; false when it is full or no longer usable.
    /// Every successful call is followed by one `exchange`, which gives the slot back.
    bool try_reserve();
    /// The same, and tells a full connection from one to drop: failed, closed, GOAWAY, or
    /// without streams for `idle_timeout`.
    enum class Reserve { taken, full, gone };
    Reserve try_reserve(std::chrono::steady_clock::duration idle_timeout);
    /// Gives back a slot taken by `try_reserve` without an exchange.
    void release_reservation();

    /// A slot taken by `try_reserve`, given back when dropped unless an exchange took it over.
    /// The exchange takes it as a parameter: a run cancelled after it got its slot but before
    /// its exchange began (a co_await in a cancelled coroutine throws before the awaited one
    /// runs) gives the slot back, rather than keep the connection's reader running for ever.
    class Reservation {
    public:
        explicit Reservation(std::shared_ptr<H2Connection> connection) noexcept
            : connection_(std::move(connection)) {}
        Reservation(Reservation&&) noexcept = default;
        Reservation& operator=(Reservation&&) = delete;
        ~Reservation() {
            if (connection_ && !handed_over_) connection_->release_reservation();
        }
        void hand_over() noexcept { handed_over_ = true; }

    private:
        std::shared_ptr<H2Connection> connection_;
        bool handed_over_ = false;
    };

    /// Returns once the server's first SETTINGS have arrived (they say how many streams it
    /// allows), the connection failed, or `timeout` passed. Call holding a slot: the reader
    /// runs only while one is taken.
    boost::asio::awaitable<void> settings_received(std::chrono::steady_clock::duration timeout);

    /// Sends `request` on a new stream (in `slot`, taken on this connection) and streams the
    /// response body into `sink`. `response_started` is false when the stream was refused or the
    /// connection failed before any response byte: the request was not processed.
    boost::asio::awaitable<ExchangeResult> exchange(Reservation slot, HttpRequest& request, const BodySink& sink,
                                                    const HttpsOptions& options);

    /// Slots taken now, and the most streams the server allows at once.
    std::size_t open_streams() const;
    std::size_t max_streams() const;

    /// Ends the connection: open exchanges fail. Thread-safe.
    void close();

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace agentroute::net::detail
