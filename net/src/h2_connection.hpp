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
#include <utility>

namespace agentroute::net::detail {

class H2Connection : public std::enable_shared_from_this<H2Connection> {
public:
    struct Impl;

    /// Takes over `tls` (whose ALPN chose h2), sends the connection preface and starts reading,
    /// on a strand of the connection's executor.
    static std::shared_ptr<H2Connection> start(std::unique_ptr<HttpsConnection> tls, const Endpoint& target);
    explicit H2Connection(std::shared_ptr<Impl> impl);
    ~H2Connection();
    H2Connection(const H2Connection&) = delete;
    H2Connection& operator=(const H2Connection&) = delete;

    /// One of a connection's stream slots, owned: given back when dropped, unless an exchange
    /// took it over. Whoever takes a slot holds one of these from that moment, so no path (an
    /// exception, a run cancelled between taking its slot and starting its exchange: a co_await
    /// in a cancelled coroutine throws before the awaited one runs) can keep a slot for ever,
    /// and with it the connection's reader and the io_context's work. Empty when default-made
    /// or moved from.
    class Reservation {
    public:
        Reservation() noexcept = default;
        Reservation(Reservation&& other) noexcept : connection_(std::move(other.connection_)) {}
        Reservation& operator=(Reservation&& other) noexcept {
            if (this != &other) {
                release();
                connection_ = std::move(other.connection_);
            }
            return *this;
        }
        ~Reservation() { release(); }

        explicit operator bool() const noexcept { return connection_ != nullptr; }
        H2Connection& connection() const noexcept { return *connection_; }

    private:
        friend class H2Connection;
        explicit Reservation(std::shared_ptr<H2Connection> connection) noexcept : connection_(std::move(connection)) {}
        std::shared_ptr<H2Connection> hand_over() noexcept { return std::move(connection_); }
        void release() noexcept {
            if (connection_) std::exchange(connection_, nullptr)->release_reservation();
        }
        std::shared_ptr<H2Connection> connection_;
    };

    /// Takes one of the connection's stream slots; empty when it is full or no longer usable.
    Reservation try_reserve();
    /// The same, and tells a full connection from one to drop: failed, closed, GOAWAY, or
    /// without streams for `idle_timeout`.
    enum class Reserve { taken, full, gone };
    struct Reserved {
        Reserve outcome;
        Reservation slot;  // empty unless `taken`
    };
    Reserved try_reserve(std::chrono::steady_clock::duration idle_timeout);

    /// Returns once the server's first SETTINGS have arrived (they say how many streams it
    /// allows), the connection failed, or `timeout` passed. Call holding a slot: the reader
    /// runs only while one is taken.
    boost::asio::awaitable<void> settings_received(std::chrono::steady_clock::duration timeout);

    /// Sends `request` on a new stream in `slot` (not empty), on the slot's connection, and
    /// streams the response body into `sink`. `response_started` is false when the stream was
    /// refused or the connection failed before any response byte: the request was not processed.
    static boost::asio::awaitable<ExchangeResult> exchange(Reservation slot, HttpRequest& request,
                                                           const BodySink& sink, const HttpsOptions& options);

    /// Slots taken now, and the most streams the server allows at once.
    std::size_t open_streams() const;
    std::size_t max_streams() const;

    /// Ends the connection: open exchanges fail. Thread-safe.
    void close();

private:
    // Gives back a slot: only a Reservation does, once.
    void release_reservation();

    std::shared_ptr<Impl> impl_;
};

}  // namespace agentroute::net::detail
