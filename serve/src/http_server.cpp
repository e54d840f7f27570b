// The server's sockets: accepting, TLS, reading requests under limits and deadlines, writing
// answers, watching for a client that leaves, and draining. The one TU of serve/ with Beast
// and Asio-SSL templates.

#include "server_state.hpp"

#include <agentroute/detail/serial_executor.hpp>
#include <agentroute/errors.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <iostream>

namespace agentroute::serve {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
using Clock = std::chrono::steady_clock;

namespace detail {
namespace {

constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::size_t read_chunk = 4096;
// While an answer streams, reads only tell whether the client left: a small buffer, as every
// open stream holds one.
constexpr std::size_t watch_chunk = 256;

// Mozilla's "intermediate" TLS 1.2 suites (forward-secret AEAD only); TLS 1.3's are OpenSSL's.
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

tcp::socket& raw_socket(tcp::socket& s) { return s; }
tcp::socket& raw_socket(asio::ssl::stream<tcp::socket>& s) { return s.next_layer(); }

// One connection: its stream, its read buffer, a deadline that closes it, and the watch for a
// client that leaves while its answer is made. Every coroutine of it runs on its strand, and
// each holds it alive.
template <class Stream>
class Connection final : public Link, public std::enable_shared_from_this<Connection<Stream>> {
public:
    Connection(Server::State& state, std::shared_ptr<Server::State> keep, Stream stream)
        : state_(state), keep_(std::move(keep)), stream_(std::move(stream)), timer_(stream_.get_executor()),
          watch_done_(stream_.get_executor()), watch_full_(stream_.get_executor()) {}

    asio::awaitable<void> run() {
        state_.metrics.open_connections.fetch_add(1, std::memory_order_relaxed);
        const auto self = this->shared_from_this();
        const auto executor = co_await asio::this_coro::executor;
        asio::co_spawn(executor, watchdog(self), asio::detached);
        const std::uint64_t closer = state_.idle_closers.add([weak = std::weak_ptr(self), executor] {
            asio::post(executor, [weak] {
                if (const auto c = weak.lock(); c && c->idle_) c->close();
            });
        });
        try {
            co_await serve_requests();
        } catch (const std::exception& e) {
            std::cerr << "agentroute serve: a connection ended on an error: " << e.what() << "\n";
        }
        state_.idle_closers.remove(closer);
        close();
        timer_.cancel();
        state_.metrics.open_connections.fetch_sub(1, std::memory_order_relaxed);
    }

    asio::awaitable<bool> write(std::string_view bytes) override {
        if (closed_) co_return false;
        arm(state_.options.write_timeout);
        auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), tuple_awaitable);
        disarm();
        bytes_out_ += static_cast<std::int64_t>(n);
        if (ec) {
            close();
            co_return false;
        }
        co_return true;
    }

    void watch(std::function<void()> gone) override {
        watching_ = true;
        watch_stopping_ = false;
        if (buffer_.size() == 0) buffer_.shrink_to_fit();  // the request's read buffer, not needed while streaming
        asio::co_spawn(stream_.get_executor(), watch_reads(this->shared_from_this(), std::move(gone)), asio::detached);
    }

    asio::awaitable<void> unwatch() override {
        watch_stopping_ = true;  // a read started after the signal below would not see it
        watch_stop_.emit(asio::cancellation_type::all);
        while (watching_) {
            watch_done_.expires_at(Clock::time_point::max());
            co_await watch_done_.async_wait(tuple_awaitable);
        }
    }

private:
    void close() {
        if (closed_) return;
        closed_ = true;
        boost::system::error_code ignored;
        raw_socket(stream_).shutdown(tcp::socket::shutdown_both, ignored);
        raw_socket(stream_).close(ignored);
    }

    // The connection closes at `deadline_` unless it moves: one timer for every phase.
    void arm(std::chrono::milliseconds after) {
        deadline_ = Clock::now() + after;
        if (deadline_ < timer_.expiry()) timer_.cancel();  // the watchdog waits again, sooner
    }
    void disarm() { deadline_ = Clock::time_point::max(); }

    static asio::awaitable<void> watchdog(std::shared_ptr<Connection> self) {
        while (!self->closed_) {
            self->timer_.expires_at(self->deadline_);
            co_await self->timer_.async_wait(tuple_awaitable);
            if (!self->closed_ && Clock::now() >= self->deadline_) self->close();
        }
    }

    // Reads while an answer is being made: end of stream or an error means the client left.
    static asio::awaitable<void> watch_reads(std::shared_ptr<Connection> self, std::function<void()> gone) {
        while (!self->watch_stopping_) {
            if (self->buffer_.size() >= self->state_.options.max_header_bytes) {
                // A client sending more than a request head meanwhile: stop reading it (TCP
                // holds the rest), but keep watching the deadline of the answer's writes.
                self->watch_full_.expires_at(Clock::time_point::max());
                co_await self->watch_full_.async_wait(
                    asio::bind_cancellation_slot(self->watch_stop_.slot(), tuple_awaitable));
                break;
            }
            auto [ec, n] = co_await self->stream_.async_read_some(
                self->buffer_.prepare(watch_chunk), asio::bind_cancellation_slot(self->watch_stop_.slot(), tuple_awaitable));
            self->buffer_.commit(n);
            if (self->watch_stopping_ && !self->closed_) break;  // unwatch()
            if (ec) {
                gone();
                break;
            }
        }
        self->watching_ = false;
        self->watch_done_.cancel();
    }

    asio::awaitable<void> handshake();
    asio::awaitable<void> serve_requests();
    asio::awaitable<bool> read_request(HttpRequest& request, bool first);
    asio::awaitable<void> refuse(int status, std::string message, std::string code);
    asio::awaitable<void> lingering_close();

    Server::State& state_;
    std::shared_ptr<Server::State> keep_;
    Stream stream_;
    boost::beast::flat_buffer buffer_;
    asio::steady_timer timer_;
    Clock::time_point deadline_ = Clock::time_point::max();
    asio::steady_timer watch_done_;  // wakes unwatch() when the watch has ended
    asio::steady_timer watch_full_;  // the watch's wait when the client has sent too much
    asio::cancellation_signal watch_stop_;
    bool watching_ = false;
    bool watch_stopping_ = false;
    bool closed_ = false;
    bool idle_ = false;
    std::int64_t bytes_out_ = 0;
};

template <class Stream>
asio::awaitable<void> Connection<Stream>::handshake() {
    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
        arm(state_.options.request_timeout);
        auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, tuple_awaitable);
        disarm();
        if (ec) close();
    }
    co_return;
}

// An answer to a request that cannot be read, then the connection closes.
template <class Stream>
asio::awaitable<void> Connection<Stream>::refuse(int status, std::string message, std::string code) {
    const HttpResponse r = error_response(status, "invalid_request_error", std::move(message), std::move(code));
    co_await write(response_bytes(r, false));
    state_.metrics.request("other", status, {});
    co_await lingering_close();
}

// Closes after the client has stopped sending (or a second has passed): closing with unread
// bytes would reset the connection, and the client might lose the answer it was sent.
template <class Stream>
asio::awaitable<void> Connection<Stream>::lingering_close() {
    if (closed_) co_return;
    boost::system::error_code ignored;
    raw_socket(stream_).shutdown(tcp::socket::shutdown_send, ignored);
    arm(std::chrono::seconds(1));
    std::size_t discarded = 0;
    char sink[read_chunk];
    while (!closed_ && discarded < 4 * 1024 * 1024) {
        auto [ec, n] = co_await raw_socket(stream_).async_read_some(asio::buffer(sink), tuple_awaitable);
        if (ec) break;
        discarded += n;
    }
    close();
}

// One request read: false when the connection is to close (the client left, a deadline
// passed, or the request was refused and answered).
template <class Stream>
asio::awaitable<bool> Connection<Stream>::read_request(HttpRequest& request, bool first) {
    if (buffer_.size() == 0) {
        // Between requests: idle (a drain may close it), bounded by the idle timeout.
        idle_ = true;
        if (state_.draining) co_return false;
        arm(first ? state_.options.request_timeout : state_.options.idle_timeout);
        auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(read_chunk), tuple_awaitable);
        buffer_.commit(n);
        idle_ = false;
        if (ec) co_return false;
    }
    arm(state_.options.request_timeout);
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(state_.options.max_header_bytes, UINT32_MAX)));
    parser.body_limit(state_.options.max_body_bytes);
    auto [hec, hn] = co_await http::async_read_header(stream_, buffer_, parser, tuple_awaitable);
    if (closed_) co_return false;  // the deadline passed: a slow client
    if (hec == http::error::header_limit) {
        co_await refuse(431, "the request head is larger than " + std::to_string(state_.options.max_header_bytes) + " bytes",
                        "header_too_large");
        co_return false;
    }
    if (hec == http::error::body_limit) {
        co_await refuse(413, "the request body is larger than " + std::to_string(state_.options.max_body_bytes) + " bytes",
                        "body_too_large");
        co_return false;
    }
    if (hec == http::error::end_of_stream || hec == asio::error::eof || hec == asio::error::connection_reset) co_return false;
    if (hec) {
        co_await refuse(400, "the request is not HTTP/1.1: " + hec.message(), "bad_http");
        co_return false;
    }
    const auto& head = parser.get();
    if (head[http::field::expect] == "100-continue" && !parser.is_done()) {
        if (!co_await write(continue_line)) co_return false;
        arm(state_.options.request_timeout);
    }
    auto [bec, bn] = co_await http::async_read(stream_, buffer_, parser, tuple_awaitable);
    if (closed_) co_return false;
    if (bec == http::error::body_limit) {
        co_await refuse(413, "the request body is larger than " + std::to_string(state_.options.max_body_bytes) + " bytes",
                        "body_too_large");
        co_return false;
    }
    if (bec) {
        if (bec == http::error::partial_message || bec == asio::error::eof) co_return false;
        co_await refuse(400, "the request body cannot be read: " + bec.message(), "bad_http");
        co_return false;
    }
    disarm();
    const auto& req = parser.get();
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    for (const auto& field : req) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto [it, fresh] = request.headers.emplace(std::move(name), std::string(field.value()));
        if (!fresh) it->second += ", " + std::string(field.value());
    }
    request.body = std::move(parser.get().body());
    request.keep_alive = req.keep_alive();
    co_return true;
}

template <class Stream>
asio::awaitable<void> Connection<Stream>::serve_requests() {
    co_await handshake();
    for (bool first = true; !closed_; first = false) {
        HttpRequest request;
        if (!co_await read_request(request, first)) co_return;
        const auto started = Clock::now();
        const std::int64_t bytes_before = bytes_out_;
        RequestRecord record;
        const bool mcp = state_.options.mcp && request.path() == state_.options.mcp_path;
        std::optional<HttpResponse> simple;
        if (!mcp) simple = co_await answer_simple(state_, request, record);
        const bool keep_alive = request.keep_alive && !state_.draining;
        if (mcp) {
            co_await answer_mcp(state_, request, *this, record);
        } else if (simple) {
            record.status = simple->status;
            if (request.method == "HEAD") {
                std::string head = response_head(simple->status, simple->content_type,
                                                 static_cast<std::int64_t>(simple->body.size()), keep_alive, simple->headers);
                co_await write(head);
            } else {
                co_await write(response_bytes(*simple, keep_alive));
            }
        } else {
            co_await answer_chat(state_, request, *this, record);
        }
        const auto took = Clock::now() - started;
        state_.metrics.request(record.endpoint, record.status, took);
        if (state_.options.access_log) {
            state_.options.access_log(access_log_line(request, record, bytes_out_ - bytes_before, took));
        }
        if (!keep_alive || state_.draining || record.client_gone) co_return;
    }
}

// The listening socket and what serves it.
struct Listener {
    explicit Listener(const asio::any_io_executor& executor) : acceptor(executor), strand(asio::make_strand(executor)) {}
    tcp::acceptor acceptor;
    asio::strand<asio::any_io_executor> strand;
    std::optional<asio::ssl::context> tls;
    std::atomic<bool> accepting{true};
    std::optional<asio::steady_timer> drain_deadline;
};

asio::ssl::context make_tls(const TlsFiles& files) {
    asio::ssl::context tls(asio::ssl::context::tls_server);
    tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                    asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    SSL_CTX_set_cipher_list(tls.native_handle(), tls12_ciphers);
    SSL_CTX_set_options(tls.native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
    boost::system::error_code ec;
    tls.use_certificate_chain_file(files.certificate_chain_file, ec);
    if (ec) throw ErrorConfig("serve: cannot read the TLS certificate chain " + files.certificate_chain_file + ": " + ec.message());
    tls.use_private_key_file(files.private_key_file, asio::ssl::context::pem, ec);
    if (ec) throw ErrorConfig("serve: cannot read the TLS private key " + files.private_key_file + ": " + ec.message());
    if (SSL_CTX_check_private_key(tls.native_handle()) != 1) {
        throw ErrorConfig("serve: the TLS private key " + files.private_key_file + " does not match the certificate");
    }
    return tls;
}

}  // namespace
}  // namespace detail

void Server::listen() {
    State& s = *state_;
    if (s.listener) throw ErrorConfig("serve: listen() was called already");
    auto listener = std::make_shared<detail::Listener>(s.executor);
    if (s.options.tls) listener->tls.emplace(detail::make_tls(*s.options.tls));
    boost::system::error_code ec;
    const asio::ip::address address = asio::ip::make_address(s.options.host, ec);
    if (ec) throw ErrorConfig("serve: " + s.options.host + " is not an IP address");
    const tcp::endpoint endpoint(address, s.options.port);
    tcp::acceptor& a = listener->acceptor;
    a.open(endpoint.protocol(), ec);
    if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && address.is_v6() && address.to_v6().is_unspecified()) a.set_option(asio::ip::v6_only(false), ec);
    if (!ec) a.bind(endpoint, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        throw ErrorConfig("serve: cannot listen on " + s.options.host + " port " + std::to_string(s.options.port) + ": " +
                          ec.message());
    }
    s.bound_port = a.local_endpoint().port();
    s.on_loopback = address.is_loopback();
    s.listener = listener;
}

std::uint16_t Server::port() const { return state_->bound_port; }

namespace {

asio::awaitable<void> accept_loop(std::shared_ptr<Server::State> state, std::shared_ptr<detail::Listener> listener) {
    while (listener->accepting) {
        auto [ec, socket] = co_await listener->acceptor.async_accept(agentroute::detail::one_at_a_time(state->executor), tuple_awaitable);
        if (ec) {
            if (!listener->accepting || ec == asio::error::operation_aborted) break;
            continue;  // EMFILE and the like: keep serving the connections that are open
        }
        if (static_cast<std::size_t>(state->metrics.open_connections.load()) >= state->options.max_connections) {
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        const auto executor = socket.get_executor();
        if (listener->tls) {
            auto c = std::make_shared<detail::Connection<asio::ssl::stream<tcp::socket>>>(
                *state, state, asio::ssl::stream<tcp::socket>(std::move(socket), *listener->tls));
            asio::co_spawn(executor, c->run(), asio::detached);
        } else {
            auto c = std::make_shared<detail::Connection<tcp::socket>>(*state, state, std::move(socket));
            asio::co_spawn(executor, c->run(), asio::detached);
        }
    }
}

}  // namespace

asio::awaitable<void> Server::run() {
    const std::shared_ptr<State> state = state_;
    if (!state->listener) listen();
    auto listener = std::static_pointer_cast<detail::Listener>(state->listener);
    co_await state->ledger.load_today();  // budgets as a restart left them, before any run
    // On the listener's strand, where drain() closes the acceptor.
    co_await asio::co_spawn(listener->strand, accept_loop(state, listener), asio::use_awaitable);
    // Draining: wait for every connection to close (idle ones already have).
    asio::steady_timer wait(co_await asio::this_coro::executor);
    while (state->metrics.open_connections.load() > 0) {
        wait.expires_after(std::chrono::milliseconds(10));
        co_await wait.async_wait(tuple_awaitable);
    }
    // Nothing is left to cancel: the drain deadline must not hold the io_context up.
    asio::post(listener->strand, [listener] {
        if (listener->drain_deadline) listener->drain_deadline->cancel();
    });
}

void Server::drain() {
    const std::shared_ptr<State> state = state_;
    if (state->draining.exchange(true)) return;
    state->idle_closers.call_all();
    auto listener = std::static_pointer_cast<detail::Listener>(state->listener);
    if (!listener) return;
    asio::post(listener->strand, [state, listener] {
        listener->accepting = false;
        boost::system::error_code ignored;
        listener->acceptor.close(ignored);
        // Runs still going at the deadline are cancelled; their answers say so.
        listener->drain_deadline.emplace(listener->strand, state->options.drain_timeout);
        listener->drain_deadline->async_wait([state](const boost::system::error_code& ec) {
            if (!ec) state->run_cancellers.call_all();
        });
    });
}

Server::~Server() = default;

}  // namespace agentroute::serve
