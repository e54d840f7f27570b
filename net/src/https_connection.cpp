#include "https_connection.hpp"

#include "deadlines.hpp"
#include "handshake_scheduler.hpp"
#include "net_error.hpp"
#include "system_trust.hpp"
#include "tls_stream.hpp"

#include <agentroute/errors.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

namespace agentroute::net::detail {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// Whether a cancellation state says its coroutine was cancelled (with throw_if_cancelled off, a
// cancel that came between two operations shows only there). Read with
// `co_await asio::this_coro::cancellation_state`, which costs no coroutine frame.
bool was_cancelled(const asio::cancellation_state& state) {
    return state.cancelled() != asio::cancellation_type::none;
}

void append_header(std::string& fields, std::string_view name, std::string_view value) {
    if (name.find_first_of("\r\n:") != std::string_view::npos || value.find_first_of("\r\n") != std::string_view::npos) {
        throw ErrorConfig("the HTTP header '" + std::string(name.substr(0, 64)) + "' holds a line break");
    }
    const std::size_t start = fields.size();
    fields.append(name);
    std::transform(fields.begin() + static_cast<std::ptrdiff_t>(start), fields.end(),
                   fields.begin() + static_cast<std::ptrdiff_t>(start),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    fields.append(": ").append(value).append("\r\n");
}

std::string HttpHead::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (key == name) return value;
    }
    return {};
}

// What on_new_session needs of a connection, set before the handshake.
struct SessionTag {
    std::string host;  // host:port: the key of its TLS session
    bool arrived = false;
};

namespace {

int session_tag_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// Where the scheduler lives (Asio's context owns SSL_CTX's app data).
int scheduler_index() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// OpenSSL hands over each new session (with TLS 1.3, tickets arrive after the handshake).
int on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* scheduler = static_cast<HandshakeScheduler*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), scheduler_index()));
    auto* tag = static_cast<SessionTag*>(SSL_get_ex_data(ssl, session_tag_index()));
    if (scheduler == nullptr || tag == nullptr) return 0;
    tag->arrived = true;
    scheduler->keep_session(tag->host, session);
    return 1;  // the scheduler owns the reference now
}

}  // namespace

struct TlsContext::Impl {
    explicit Impl(std::size_t max_handshakes) : handshakes(max_handshakes) {}
    // A connection can outlive its client (it holds the SSL_CTX): it must then not reach the
    // scheduler that is gone.
    ~Impl() { SSL_CTX_set_ex_data(ctx.native_handle(), scheduler_index(), nullptr); }

    asio::ssl::context ctx{asio::ssl::context::tls_client};
    HandshakeScheduler handshakes;
};

TlsContext::TlsContext(const std::string& extra_ca_file, std::size_t max_handshakes)
    : impl_(std::make_unique<Impl>(max_handshakes)) {
    auto& ctx = impl_->ctx;
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression);
    // Idle kept-alive connections give their ~34 KB of OpenSSL record buffers back; with
    // thousands of pooled connections this is most of the client's TLS memory.
    SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    // Read what the socket has, not one record header and then its body: half the read syscalls.
    SSL_CTX_set_read_ahead(ctx.native_handle(), 1);
    SSL_CTX_set_ex_data(ctx.native_handle(), scheduler_index(), &impl_->handshakes);
    SSL_CTX_set_session_cache_mode(ctx.native_handle(), SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx.native_handle(), on_new_session);
    if (!trust_system_store(ctx.native_handle())) {
        throw ErrorConfig("cannot load the system's trusted CAs: " + error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()).message());
    }
    ctx.set_verify_mode(asio::ssl::verify_peer);
    if (!extra_ca_file.empty()) {
        error_code ec;
        ctx.load_verify_file(extra_ca_file, ec);
        if (ec) {
            throw ErrorConfig("cannot load the CA file '" + extra_ca_file + "': " + ec.message());
        }
    }
}

TlsContext::~TlsContext() = default;

struct HttpsConnection::Impl : Watched, std::enable_shared_from_this<HttpsConnection::Impl> {
    Impl(const asio::any_io_executor& executor, SSL_CTX* ctx)
        : stream(executor, ctx), deadlines(Deadlines::of(executor)) {}

    TlsStream stream;
    SessionTag session;
    boost::beast::flat_buffer buffer;
    bool reusable = false;
    bool http2 = false;
    Deadlines& deadlines;

    // The caller cancelled the pending operation (a timeout cancels it too, but has fired).
    bool abandoned_by_caller(const error_code& ec) const {
        return ec == asio::error::operation_aborted && !fired();
    }
    // A timeout cancels the pending operation; fired() tells a timeout from another failure.
    void arm(std::chrono::steady_clock::duration after) {
        stream.rearm();
        Watched::arm(deadlines, shared_from_this(), after);
    }
    void expire() noexcept override { stream.cancel(); }
};

HttpsConnection::HttpsConnection(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpsConnection::~HttpsConnection() {
    if (impl_) impl_->stream.close();
}

bool HttpsConnection::reusable() const noexcept { return impl_->reusable; }
bool HttpsConnection::http2() const noexcept { return impl_->http2; }
TlsStream& HttpsConnection::stream() noexcept { return impl_->stream; }

namespace {

// CONNECT tunnel through an HTTP proxy, on the plain socket before TLS.
asio::awaitable<error_code> open_tunnel(tcp::socket& socket, const Endpoint& target) {
    const std::string authority = target.host + ":" + target.port;
    const std::string request =
        "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n";
    auto [wec, written] = co_await asio::async_write(socket, asio::buffer(request), tuple_awaitable);
    if (wec) co_return wec;
    asio::streambuf reply;
    auto [rec, n] = co_await asio::async_read_until(socket, reply, "\r\n\r\n", tuple_awaitable);
    if (rec) co_return rec;
    std::string status_line(asio::buffers_begin(reply.data()),
                            asio::buffers_begin(reply.data()) + static_cast<std::ptrdiff_t>(std::min<std::size_t>(n, 64)));
    // "HTTP/1.1 200 Connection established"
    const auto space = status_line.find(' ');
    if (space == std::string::npos || status_line.compare(space + 1, 3, "200") != 0) {
        co_return make_error_code(error::proxy_refused);
    }
    co_return error_code{};
}

}  // namespace

asio::awaitable<std::pair<error_code, std::unique_ptr<HttpsConnection>>> HttpsConnection::connect(
    TlsContext& tls, Endpoint target, std::optional<Endpoint> proxy, HttpsOptions options, bool offer_http2) {
    auto executor = co_await asio::this_coro::executor;
    auto impl = std::make_shared<Impl>(executor, tls.impl().ctx.native_handle());
    using Result = std::pair<error_code, std::unique_ptr<HttpsConnection>>;

    // An address needs no resolver; for a name, Asio's resolver runs getaddrinfo on its own
    // thread, never on this one.
    const Endpoint& first_hop = proxy ? *proxy : target;
    impl->arm(options.connect_timeout);
    std::vector<tcp::endpoint> endpoints;
    error_code not_literal;
    const asio::ip::address literal = asio::ip::make_address(first_hop.host, not_literal);
    unsigned short port = 0;
    const auto [end, perr] = std::from_chars(first_hop.port.data(), first_hop.port.data() + first_hop.port.size(), port);
    if (!not_literal && perr == std::errc{} && end == first_hop.port.data() + first_hop.port.size()) {
        endpoints.emplace_back(literal, port);
    } else {
        tcp::resolver resolver(executor);
        auto [rec, results] = co_await resolver.async_resolve(first_hop.host, first_hop.port, tuple_awaitable);
        if (rec) {
            impl->disarm();
            co_return Result{impl->fired() ? make_error_code(error::connect_timeout) : rec, nullptr};
        }
        for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    }
    auto [cec, endpoint] = co_await asio::async_connect(impl->stream.socket(), endpoints, tuple_awaitable);
    if (!cec && proxy) cec = co_await open_tunnel(impl->stream.socket(), target);
    impl->disarm();
    if (cec) co_return Result{impl->fired() ? make_error_code(error::connect_timeout) : cec, nullptr};
    impl->stream.socket().set_option(tcp::no_delay(true));

    if (const error_code aec = impl->stream.attach()) co_return Result{aec, nullptr};

    // SNI (host names only, as RFC 6066 says) and verification of the name or address.
    SSL* ssl = impl->stream.native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    error_code not_ip;
    (void)asio::ip::make_address(target.host, not_ip);
    const bool named = not_ip ? SSL_set_tlsext_host_name(ssl, target.host.c_str()) == 1 &&
                                    X509_VERIFY_PARAM_set1_host(param, target.host.c_str(), 0) == 1
                              : X509_VERIFY_PARAM_set1_ip_asc(param, target.host.c_str()) == 1;
    if (!named) {
        co_return Result{error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()), nullptr};
    }
    if (offer_http2) {
        static constexpr unsigned char protocols[] = "\x02h2\x08http/1.1";
        if (SSL_set_alpn_protos(ssl, protocols, sizeof protocols - 1) != 0) {
            co_return Result{error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()), nullptr};
        }
    }
    impl->session.host = target.host + ":" + target.port;
    SSL_set_ex_data(ssl, session_tag_index(), &impl->session);
    HandshakeScheduler& scheduler = tls.impl().handshakes;
    const HandshakeScheduler::Turn turn = co_await scheduler.enter(impl->session.host);
    struct Leave {
        HandshakeScheduler& scheduler;
        const HandshakeScheduler::Turn& turn;
        bool ok = false;
        ~Leave() { scheduler.leave(turn, ok); }
    } leave{scheduler, turn};
    scheduler.offer_session(ssl, impl->session.host);
    const auto handshake_start = std::chrono::steady_clock::now();
    impl->arm(options.handshake_timeout);
    auto [hec, unused] = co_await impl->stream.async_handshake(tuple_awaitable);
    impl->disarm();
    if (hec) co_return Result{impl->fired() ? make_error_code(error::handshake_timeout) : hec, nullptr};
    leave.ok = true;
    const unsigned char* chosen = nullptr;
    unsigned int chosen_size = 0;
    SSL_get0_alpn_selected(ssl, &chosen, &chosen_size);
    impl->http2 = chosen_size == 2 && chosen[0] == 'h' && chosen[1] == '2';
    if (turn.probe && !impl->session.arrived) {
        // TLS 1.3 sends the ticket about one round trip after the handshake; the connections
        // queued behind this probe wait for it, so take it now rather than at the first read
        // (which a preconnected connection may not do for a long time). Bounded: a server
        // may send none.
        const auto took = std::chrono::steady_clock::now() - handshake_start;
        impl->arm(std::clamp<std::chrono::steady_clock::duration>(2 * took, std::chrono::milliseconds(1),
                                                                       std::chrono::milliseconds(500)));
        const SessionTag& tag = impl->session;
        auto [tec, none] = co_await impl->stream.async_read_records_until([&tag] { return tag.arrived; }, tuple_awaitable);
        impl->disarm();
        // No ticket in time is fine; a connection that broke meanwhile is not.
        if (tec && !impl->fired()) co_return Result{tec, nullptr};
    }
    impl->stream.release_buffers();  // it may idle in the pool before its first request
    impl->reusable = true;
    co_return Result{error_code{}, std::make_unique<HttpsConnection>(std::move(impl))};
}

asio::awaitable<ExchangeResult> HttpsConnection::exchange(HttpRequest& request,
                                                          const BodySink& sink,
                                                          const HttpsOptions& options) {
    Impl& c = *impl_;
    request.restore_body();
    c.reusable = false;  // until this exchange ends cleanly
    ExchangeResult result;

    // The head is written by hand (the fields were serialized once, when the model was built),
    // in the same buffer as the body: one allocation, and they leave in one TLS record.
    std::string message;
    message.reserve(request.method.size() + request.target.size() + request.fields.size() + 48 + request.body.size());
    message.append(request.method).append(" ").append(request.target).append(" HTTP/1.1\r\n").append(request.fields);
    if (request.method != "GET") message.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
    message.append("\r\n").append(request.body);
    // The copy is what goes out: the body need not wait for the write too (in a burst of runs
    // thousands of writes are in flight at once, and each would hold the request twice).
    request.release_body();

    c.arm(options.header_timeout);
    auto [wec, written] = co_await asio::async_write(c.stream, asio::buffer(message), tuple_awaitable);
    // A cancel can land after the last byte went out: the server has the request all the same.
    const bool sent_whole = written == message.size();
    if (wec && !(sent_whole && request.billable && c.abandoned_by_caller(wec))) {
        c.disarm();
        result.ec = c.fired() ? make_error_code(error::header_timeout) : wec;
        co_return result;
    }
    std::string().swap(message);  // sent: no need to hold it for the whole wait for the answer
    result.request_sent = true;
    // From here a billable exchange sees its caller's cancellation as an error code (or in the
    // cancellation state), never as a throw: it must go on to the answer's head, which says
    // what the server billed. See ExchangeResult::abandoned.
    bool settling = false;
    if (request.billable) {
        co_await asio::this_coro::throw_if_cancelled(false);
        // Plain statements: GCC 12 mis-compiles a co_await in a short-circuited operand.
        const asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
        settling = wec || was_cancelled(state);
    }

    // Wait for the answer's first bytes before building the parser: what this frame holds while
    // the model thinks is what every run in flight costs.
    if (!settling && c.buffer.size() == 0) {
        auto [wait_ec, ignored] = co_await c.stream.async_wait_readable(tuple_awaitable);
        if (request.billable && c.abandoned_by_caller(wait_ec)) {
            settling = true;
        } else if (wait_ec) {
            c.disarm();
            result.ec = c.fired() ? make_error_code(error::header_timeout) : wait_ec;
            co_return result;
        }
    }
    co_await read_response(c, result, sink, options, request.billable, settling);
    co_return result;
}

void HttpsConnection::settle(Impl& c, ExchangeResult& result, const HttpsOptions& options) {
    // The caller is gone, but the server has the request: read on, until the head comes or
    // settle_timeout passes. The connection is not reused after it.
    result.abandoned = true;
    c.reusable = false;
    c.disarm();
    c.arm(options.settle_timeout);
}

asio::awaitable<void> HttpsConnection::read_response(Impl& c, ExchangeResult& result, const BodySink& sink,
                                                     const HttpsOptions& options, bool billable, bool settling) {
    http::response_parser<http::buffer_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(boost::none);  // enforced below, counting decoded bytes
    if (billable && !settling) {
        const asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
        settling = was_cancelled(state);
    }
    if (settling) settle(c, result, options);
    auto [hec, header_bytes] = co_await http::async_read_header(c.stream, c.buffer, parser, tuple_awaitable);
    if (billable && !result.abandoned && c.abandoned_by_caller(hec)) {
        settle(c, result, options);
        std::tie(hec, header_bytes) = co_await http::async_read_header(c.stream, c.buffer, parser, tuple_awaitable);
    }
    c.disarm();
    result.response_started = header_bytes > 0 || c.buffer.size() > 0;
    if (result.abandoned) {
        result.ec = asio::error::operation_aborted;
        if (hec) co_return;  // no head in time: the bill is estimated
    } else if (hec) {
        result.ec = c.fired() ? make_error_code(error::header_timeout) : hec;
        co_return;
    }
    result.response_started = true;
    const auto& head = parser.get();
    result.head.status = static_cast<int>(head.result_int());
    for (const auto& field : head) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        result.head.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    if (result.abandoned) co_return;  // the head is all an abandoned exchange waits for
    if (const auto length = parser.content_length(); length && *length > options.max_response_bytes) {
        // Refused at the head: a body announced past the cap is never waited for.
        result.ec = make_error_code(error::response_too_large);
        co_return;
    }

    // Small: answers are a few KB, and a large body simply takes more reads.
    std::string chunk(4 * 1024, '\0');
    std::size_t total = 0;
    c.arm(options.idle_timeout);
    while (!parser.is_done()) {
        bool cancelled = false;
        if (billable) {
            const asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
            cancelled = was_cancelled(state);
        }
        if (cancelled) {
            c.disarm();
            result.abandoned = true;  // the head (the generation id) is here already
            result.ec = asio::error::operation_aborted;
            co_return;
        }
        parser.get().body().data = chunk.data();
        parser.get().body().size = chunk.size();
        auto [rec, n] = co_await http::async_read_some(c.stream, c.buffer, parser, tuple_awaitable);
        if (rec == http::error::need_buffer) rec = {};
        if (rec) {
            result.abandoned = billable && c.abandoned_by_caller(rec);
            c.disarm();
            result.ec = c.fired() ? make_error_code(error::idle_timeout) : rec;
            co_return;
        }
        const std::size_t got = chunk.size() - parser.get().body().size;
        if (got == 0) continue;
        total += got;
        if (total > options.max_response_bytes) {
            c.disarm();
            result.ec = make_error_code(error::response_too_large);
            co_return;
        }
        if (sink(std::string_view(chunk.data(), got))) {
            c.extend(options.idle_timeout);
        }
    }
    c.disarm();
    c.reusable = parser.keep_alive();
    if (c.reusable) {
        c.stream.release_buffers();
        // The head and body were read through it; an idle connection, or one whose next
        // request waits for its answer, need not hold it.
        if (c.buffer.size() == 0) c.buffer.shrink_to_fit();
    }
}

}  // namespace agentroute::net::detail
