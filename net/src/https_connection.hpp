#pragma once

// The HTTPS connection: the one place (with the fake server) where Beast and Asio SSL are
// instantiated. Everything else calls these non-template awaitable members.

#include <agentroute/net/https_options.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agentroute::net::detail {

class TlsStream;

struct Endpoint {
    std::string host;
    std::string port;
    friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

struct HttpRequest {
    std::string method = "POST";
    /// The path and query. It and `fields` are kept alive by the caller until the exchange
    /// completes: a model's are built once, not per request.
    std::string_view target;
    /// Header lines, each "name: value\r\n" (built with `append_header`), Host included;
    /// Content-Length is added.
    std::string_view fields;
    std::string body;
    /// When set, the exchange frees `body` once it is sent, and builds it again with this should
    /// the request go out once more (a stale connection, a refused stream, a retry). A model's
    /// request is a few KB, and every call in flight would hold it while the model thinks.
    std::function<std::string()> rebuild_body;
    /// A request the server may bill (a chat completion). Abandoned by its caller (cancelled,
    /// a deadline) once sent, it still waits up to `HttpsOptions::settle_timeout` for the
    /// answer's head, whose generation id says what was billed.
    bool billable = false;

    void release_body() noexcept {
        if (!rebuild_body) return;
        std::string().swap(body);
        body_released_ = true;
    }
    void restore_body() {
        if (!body_released_) return;
        body = rebuild_body();
        body_released_ = false;
    }

private:
    bool body_released_ = false;
};

/// Appends "name: value\r\n" to `fields`, the name lower-cased: HTTP/2 requires it, HTTP/1.1
/// does not mind, so one serialization serves both. Throws `ErrorConfig` when either holds a
/// line break (which would let an option inject headers).
void append_header(std::string& fields, std::string_view name, std::string_view value);

struct HttpHead {
    int status = 0;
    /// Header names lower-cased.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string header(std::string_view name) const;
};

/// Receives body bytes as they arrive. Returns true when the chunk held real data: only then is
/// the idle timer reset, so keep-alive bytes cannot keep a stalled response open forever.
using BodySink = std::function<bool(std::string_view chunk)>;

/// The client's TLS configuration: TLS 1.2+, peer verification against the system store plus an
/// optional extra CA file, session resumption per host, and at most `max_handshakes` handshakes
/// at once (see handshake_scheduler.hpp). Shared by all connections it makes.
class TlsContext {
public:
    /// Throws `ErrorConfig` when `extra_ca_file` cannot be loaded.
    explicit TlsContext(const std::string& extra_ca_file, std::size_t max_handshakes);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    struct Impl;
    Impl& impl() noexcept { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

struct ExchangeResult {
    boost::system::error_code ec;
    HttpHead head;
    /// False when the failure came before any byte of the response (a stale kept-alive
    /// connection: safe to retry on a fresh one).
    bool response_started = false;
    /// The whole request was handed to the connection: the server may have it (and bill it).
    bool request_sent = false;
    /// The caller cancelled the exchange (`ec` is operation_aborted). `head` holds what arrived
    /// of the answer, a billable request's head waited for (up to `settle_timeout`). The
    /// coroutine's `throw_if_cancelled` is then off (a cancelled coroutine's next co_await would
    /// throw, also the caller's); the caller turns it on again once it has settled the bill.
    bool abandoned = false;
};

class HttpsConnection {
public:
    struct Impl;
    explicit HttpsConnection(std::shared_ptr<Impl> impl);
    ~HttpsConnection();
    HttpsConnection(const HttpsConnection&) = delete;
    HttpsConnection& operator=(const HttpsConnection&) = delete;

    /// Resolves (off the I/O thread), connects (through `proxy` when set), and does the TLS
    /// handshake with SNI and host-name verification, on the awaiting coroutine's executor.
    /// With `offer_http2`, ALPN offers "h2" before "http/1.1" and `http2()` tells what the
    /// server chose.
    static boost::asio::awaitable<std::pair<boost::system::error_code, std::unique_ptr<HttpsConnection>>>
    connect(TlsContext& tls, Endpoint target, std::optional<Endpoint> proxy, HttpsOptions options,
            bool offer_http2 = false);

    /// True when ALPN chose HTTP/2: hand the connection to an H2Connection, not `exchange`.
    bool http2() const noexcept;
    /// The TLS stream, for the HTTP/2 layer that takes the connection over.
    TlsStream& stream() noexcept;

    /// Sends `request` and streams the response body into `sink`. The caller keeps `request`
    /// and `sink` alive until this completes.
    boost::asio::awaitable<ExchangeResult> exchange(HttpRequest& request, const BodySink& sink,
                                                    const HttpsOptions& options);

    /// True when the last exchange ended cleanly and the server allows another request.
    bool reusable() const noexcept;

private:
    // The response, once its first bytes are here (or the caller abandoned a billable request
    // while it waited for them: `settling`).
    static boost::asio::awaitable<void> read_response(Impl& c, ExchangeResult& result, const BodySink& sink,
                                                      const HttpsOptions& options, bool billable, bool settling);
    // From the caller's cancellation on: wait for the head alone, for settle_timeout at most.
    static void settle(Impl& c, ExchangeResult& result, const HttpsOptions& options);

    std::shared_ptr<Impl> impl_;
};

}  // namespace agentroute::net::detail
