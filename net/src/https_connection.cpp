#include "https_connection.hpp"

#include "net_error.hpp"

#include <agentroute/errors.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>

namespace agentroute::net::detail {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

std::string HttpHead::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (key == name) return value;
    }
    return {};
}

struct TlsContext::Impl {
    asio::ssl::context ctx{asio::ssl::context::tls_client};
};

TlsContext::TlsContext(const std::string& extra_ca_file) : impl_(std::make_unique<Impl>()) {
    auto& ctx = impl_->ctx;
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression);
    // Idle kept-alive connections give their ~34 KB of OpenSSL record buffers back; with
    // thousands of pooled connections this is most of the client's TLS memory.
    SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    ctx.set_default_verify_paths();
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

using Stream = asio::ssl::stream<tcp::socket>;

struct HttpsConnection::Impl : std::enable_shared_from_this<HttpsConnection::Impl> {
    Impl(asio::any_io_executor executor, asio::ssl::context& ctx) : stream(executor, ctx) {}

    Stream stream;
    boost::beast::flat_buffer buffer;
    bool reusable = false;
    // Bumped on every arm/disarm so a late timer handler of an earlier wait does nothing.
    std::atomic<std::uint64_t> watch{0};

    // A timeout is a timer that cancels the socket; `fired` tells a timeout from a cancel.
    struct Watchdog {
        asio::steady_timer timer;
        std::shared_ptr<bool> fired = std::make_shared<bool>(false);
    };

    void arm(Watchdog& dog, std::chrono::steady_clock::duration after) {
        *dog.fired = false;
        dog.timer.expires_after(after);
        const std::uint64_t id = ++watch;
        dog.timer.async_wait([weak = weak_from_this(), fired = dog.fired, id](error_code ec) {
            auto self = weak.lock();
            if (ec || !self || self->watch.load() != id) return;
            *fired = true;
            error_code ignored;
            self->stream.lowest_layer().cancel(ignored);
        });
    }
    void disarm(Watchdog& dog) {
        ++watch;
        dog.timer.cancel();
    }
};

HttpsConnection::HttpsConnection(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpsConnection::~HttpsConnection() {
    if (impl_) {
        error_code ignored;
        impl_->stream.lowest_layer().close(ignored);
    }
}

bool HttpsConnection::reusable() const noexcept { return impl_->reusable; }

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
    TlsContext& tls, Endpoint target, std::optional<Endpoint> proxy, HttpsOptions options) {
    auto executor = co_await asio::this_coro::executor;
    auto impl = std::make_shared<Impl>(executor, tls.impl().ctx);
    Impl::Watchdog dog{asio::steady_timer(executor)};
    using Result = std::pair<error_code, std::unique_ptr<HttpsConnection>>;

    // Asio's resolver runs getaddrinfo on its own thread, never on this one.
    const Endpoint& first_hop = proxy ? *proxy : target;
    tcp::resolver resolver(executor);
    impl->arm(dog, options.connect_timeout);
    auto [rec, endpoints] = co_await resolver.async_resolve(first_hop.host, first_hop.port, tuple_awaitable);
    if (rec) {
        impl->disarm(dog);
        co_return Result{*dog.fired ? make_error_code(error::connect_timeout) : rec, nullptr};
    }
    auto [cec, endpoint] =
        co_await asio::async_connect(impl->stream.next_layer(), endpoints, tuple_awaitable);
    if (!cec && proxy) cec = co_await open_tunnel(impl->stream.next_layer(), target);
    impl->disarm(dog);
    if (cec) co_return Result{*dog.fired ? make_error_code(error::connect_timeout) : cec, nullptr};
    impl->stream.next_layer().set_option(tcp::no_delay(true));

    // SNI and host-name verification (for IP literals OpenSSL checks the address).
    SSL* ssl = impl->stream.native_handle();
    if (!SSL_set_tlsext_host_name(ssl, target.host.c_str())) {
        co_return Result{error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()), nullptr};
    }
    impl->stream.set_verify_callback(asio::ssl::host_name_verification(target.host));
    impl->arm(dog, options.handshake_timeout);
    auto [hec] = co_await impl->stream.async_handshake(asio::ssl::stream_base::client, tuple_awaitable);
    impl->disarm(dog);
    if (hec) co_return Result{*dog.fired ? make_error_code(error::handshake_timeout) : hec, nullptr};
    impl->reusable = true;
    co_return Result{error_code{}, std::make_unique<HttpsConnection>(std::move(impl))};
}

asio::awaitable<ExchangeResult> HttpsConnection::exchange(const HttpRequest& request,
                                                          const BodySink& sink,
                                                          const HttpsOptions& options) {
    Impl& c = *impl_;
    c.reusable = false;  // until this exchange ends cleanly
    ExchangeResult result;
    auto executor = co_await asio::this_coro::executor;
    Impl::Watchdog dog{asio::steady_timer(executor)};

    http::request<http::string_body> req{request.method == "GET" ? http::verb::get : http::verb::post,
                                         request.target, 11};
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.keep_alive(true);
    if (request.method != "GET") req.body() = request.body;
    req.prepare_payload();

    c.arm(dog, options.header_timeout);
    auto [wec, written] = co_await http::async_write(c.stream, req, tuple_awaitable);
    if (wec) {
        c.disarm(dog);
        result.ec = *dog.fired ? make_error_code(error::header_timeout) : wec;
        co_return result;
    }

    http::response_parser<http::buffer_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(boost::none);  // enforced below, counting decoded bytes
    auto [hec, header_bytes] = co_await http::async_read_header(c.stream, c.buffer, parser, tuple_awaitable);
    c.disarm(dog);
    result.response_started = header_bytes > 0 || c.buffer.size() > 0;
    if (hec) {
        result.ec = *dog.fired ? make_error_code(error::header_timeout) : hec;
        co_return result;
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

    // Every waiting run holds this buffer, so it is small: answers are a few KB, and a large
    // body simply takes more reads. (Asio's TLS stream keeps its own 2 x 17 KB record buffers.)
    std::string chunk(4 * 1024, '\0');
    std::size_t total = 0;
    c.arm(dog, options.idle_timeout);
    while (!parser.is_done()) {
        parser.get().body().data = chunk.data();
        parser.get().body().size = chunk.size();
        auto [rec, n] = co_await http::async_read_some(c.stream, c.buffer, parser, tuple_awaitable);
        if (rec == http::error::need_buffer) rec = {};
        if (rec) {
            c.disarm(dog);
            result.ec = *dog.fired ? make_error_code(error::idle_timeout) : rec;
            co_return result;
        }
        const std::size_t got = chunk.size() - parser.get().body().size;
        if (got == 0) continue;
        total += got;
        if (total > options.max_response_bytes) {
            c.disarm(dog);
            result.ec = make_error_code(error::response_too_large);
            co_return result;
        }
        if (sink(std::string_view(chunk.data(), got))) {
            c.disarm(dog);
            c.arm(dog, options.idle_timeout);
        }
    }
    c.disarm(dog);
    c.reusable = parser.keep_alive();
    co_return result;
}

}  // namespace agentroute::net::detail
