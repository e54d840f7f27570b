// The fake's sockets and TLS: the second (and last) TU with Beast and Asio-SSL templates.

#include <agentroute/net/fake_openrouter.hpp>

#include "fake_logic.hpp"
#include "self_signed.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace agentroute::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

struct FakeOpenRouter::Impl {
    explicit Impl(FakeOpenRouterOptions o)
        : options(std::move(o)), logic(options), acceptor(io) {}

    FakeOpenRouterOptions options;
    detail::FakeLogic logic;
    std::string ca_path;
    asio::io_context io;
    asio::ssl::context tls{asio::ssl::context::tls_server};
    tcp::acceptor acceptor;
    std::vector<std::thread> threads;
    std::atomic<std::size_t> connections{0};
    std::atomic<std::size_t> resumed{0};
    std::atomic<bool> stopping{false};

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> serve(tcp::socket socket);
};

namespace {

std::string frame_chunk(std::string_view data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    std::string out = size;
    out.append(data);
    out += "\r\n";
    return out;
}

std::string head_of(const detail::Plan& plan, std::size_t content_length) {
    std::string head = "HTTP/1.1 " + std::to_string(plan.status) + " " +
                       std::string(http::obsolete_reason(static_cast<http::status>(plan.status))) + "\r\n";
    for (const auto& [name, value] : plan.headers) head += name + ": " + value + "\r\n";
    head += plan.chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + std::to_string(content_length) + "\r\n";
    head += "Connection: keep-alive\r\n\r\n";
    return head;
}

std::string write_temp_ca(const std::string& dir, const std::string& pem) {
    namespace fs = std::filesystem;
    fs::path folder = dir;
    if (folder.empty()) {
        std::string templ = (fs::temp_directory_path() / "agentroute-fake-XXXXXX").string();
        if (!::mkdtemp(templ.data())) throw std::runtime_error("fake OpenRouter: cannot make a temp folder");
        folder = templ;
    }
    fs::create_directories(folder);
    const fs::path path = folder / "ca.pem";
    std::ofstream(path) << pem;
    return path.string();
}

}  // namespace

asio::awaitable<void> FakeOpenRouter::Impl::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(tuple_awaitable);
        if (ec) {
            if (stopping || ec == asio::error::operation_aborted) co_return;
            continue;  // e.g. EMFILE: keep serving the connections we have
        }
        ++connections;
        asio::co_spawn(asio::make_strand(io), serve(std::move(socket)), asio::detached);
    }
}

asio::awaitable<void> FakeOpenRouter::Impl::serve(tcp::socket socket) {
    socket.set_option(tcp::no_delay(true));
    asio::ssl::stream<tcp::socket> stream(std::move(socket), tls);
    auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, tuple_awaitable);
    if (hec) co_return;
    if (SSL_session_reused(stream.native_handle()) == 1) ++resumed;
    boost::beast::flat_buffer buffer;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        auto [rec, n] = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
        if (rec) co_return;
        const auto& req = parser.get();
        detail::FakeRequest request;
        request.method = std::string(req.method_string());
        request.target = std::string(req.target());
        for (const auto& field : req) {
            std::string name(field.name_string());
            for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            request.headers[name] = std::string(field.value());
        }
        request.body = req.body();
        const bool keep_alive = req.keep_alive();
        detail::Plan plan = logic.handle(request);
        if (plan.latency.count() > 0) {
            timer.expires_after(plan.latency);
            co_await timer.async_wait(tuple_awaitable);
        }

        std::string body;
        for (const auto& c : plan.chunks) body += c;
        std::string out = head_of(plan, body.size());
        using End = detail::Plan::End;
        if (plan.end == End::reset_half) {
            out.append(body, 0, body.size() / 2);
            co_await asio::async_write(stream, asio::buffer(out), tuple_awaitable);
            stream.lowest_layer().set_option(asio::socket_base::linger(true, 0));
            boost::system::error_code ignored;
            stream.lowest_layer().close(ignored);  // RST
            co_return;
        }
        if (plan.chunked) {
            for (const auto& c : plan.chunks) out += frame_chunk(c);
            if (plan.end == End::complete) out += "0\r\n\r\n";
        } else {
            out += body;
        }
        auto [wec, written] = co_await asio::async_write(stream, asio::buffer(out), tuple_awaitable);
        if (wec) co_return;
        if (plan.end == End::close_unfinished) {
            boost::system::error_code ignored;
            stream.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
            stream.lowest_layer().close(ignored);
            co_return;
        }
        if (plan.end == End::stall) {
            // Keep-alive comments only, until the client gives up (bounded: two minutes).
            const std::string comment = frame_chunk(": OPENROUTER PROCESSING\n\n");
            for (int i = 0; i < 1200 && !stopping; ++i) {
                timer.expires_after(std::chrono::milliseconds(100));
                co_await timer.async_wait(tuple_awaitable);
                auto [sec, sent] = co_await asio::async_write(stream, asio::buffer(comment), tuple_awaitable);
                if (sec) co_return;
            }
            co_return;
        }
        if (!keep_alive) co_return;
    }
}

FakeOpenRouter::FakeOpenRouter(FakeOpenRouterOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
    Impl& i = *impl_;
    const detail::Certificates certs = detail::make_certificates();
    i.ca_path = write_temp_ca(i.options.cert_dir, certs.ca_pem);
    i.tls.use_certificate_chain(asio::buffer(certs.server_cert_pem));
    i.tls.use_private_key(asio::buffer(certs.server_key_pem), asio::ssl::context::pem);
    const tcp::endpoint endpoint(asio::ip::make_address(i.options.host), i.options.port);
    i.acceptor.open(endpoint.protocol());
    i.acceptor.set_option(asio::socket_base::reuse_address(true));
    i.acceptor.bind(endpoint);
    i.acceptor.listen(asio::socket_base::max_listen_connections);
    asio::co_spawn(i.io, i.accept_loop(), asio::detached);
    for (unsigned t = 0; t < std::max(1u, i.options.threads); ++t) {
        i.threads.emplace_back([&io = i.io] { io.run(); });
    }
}

FakeOpenRouter::~FakeOpenRouter() {
    impl_->stopping = true;
    asio::post(impl_->io, [this] {
        boost::system::error_code ignored;
        impl_->acceptor.close(ignored);
    });
    impl_->io.stop();
    for (auto& t : impl_->threads) t.join();
}

std::string FakeOpenRouter::base_url() const {
    const std::string host = impl_->options.host.find(':') != std::string::npos ? "[" + impl_->options.host + "]"
                                                                               : impl_->options.host;
    return "https://" + host + ":" + std::to_string(port()) + "/api/v1";
}
std::string FakeOpenRouter::ca_file() const { return impl_->ca_path; }
std::uint16_t FakeOpenRouter::port() const { return impl_->acceptor.local_endpoint().port(); }
void FakeOpenRouter::push_fault(FakeFault fault) { impl_->logic.push_fault(std::move(fault)); }
void FakeOpenRouter::push_response(RecordedResponse response) { impl_->logic.push_response(std::move(response)); }
std::size_t FakeOpenRouter::chat_requests() const { return impl_->logic.chat_requests(); }
double FakeOpenRouter::billed_usd() const { return impl_->logic.billed_usd(); }
std::size_t FakeOpenRouter::connections() const { return impl_->connections; }
std::size_t FakeOpenRouter::resumed_handshakes() const { return impl_->resumed; }
std::string FakeOpenRouter::last_request_body() const { return impl_->logic.last_request_body(); }
std::map<std::string, std::string> FakeOpenRouter::last_request_headers() const {
    return impl_->logic.last_request_headers();
}

}  // namespace agentroute::testing
