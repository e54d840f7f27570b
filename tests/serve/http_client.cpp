#include "http_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <future>
#include <sstream>
#include <stdexcept>
#include <variant>

namespace agentroute::test {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket>;

struct HttpClient::Impl {
    asio::io_context io;
    asio::ssl::context tls{asio::ssl::context::tls_client};
    std::variant<tcp::socket, TlsStream> stream{tcp::socket(io)};
    boost::beast::flat_buffer buffer;
    std::string host;
    std::chrono::milliseconds timeout;

    tcp::socket& socket() {
        if (auto* s = std::get_if<tcp::socket>(&stream)) return *s;
        return std::get<TlsStream>(stream).next_layer();
    }

    template <class F>
    auto with_stream(F&& f) {
        return std::visit(std::forward<F>(f), stream);
    }

    // Runs the coroutine `make()` gives under `limit`; nullopt-like `false` in `finished` when
    // it did not end in time (the socket is then closed).
    template <class T, class Make>
    T run(Make make, std::chrono::milliseconds limit, bool* finished = nullptr) {
        io.restart();
        auto future = asio::co_spawn(io, make(), asio::use_future);
        io.run_for(limit);
        const bool done = future.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
        if (finished) *finished = done;
        if (!done) {
            // Out of time: a deadline only stops the wait, a failure also the connection.
            boost::system::error_code ignored;
            if (finished) {
                socket().cancel(ignored);
            } else {
                socket().close(ignored);
            }
            io.restart();
            io.run_for(std::chrono::seconds(2));
            if (!finished) throw std::runtime_error("HttpClient: the server did not answer within the deadline");
            if constexpr (std::is_void_v<T>) {
                return;
            } else {
                return T{};
            }
        }
        return future.get();
    }

    asio::awaitable<void> write(std::string bytes) {
        co_await with_stream([&](auto& s) { return asio::async_write(s, asio::buffer(bytes), asio::use_awaitable); });
    }

    asio::awaitable<HttpReply> read_reply() {
        http::response_parser<http::string_body> parser;
        parser.body_limit(boost::none);
        parser.header_limit(1 << 20);
        co_await with_stream([&](auto& s) { return http::async_read(s, buffer, parser, asio::use_awaitable); });
        auto& res = parser.get();
        HttpReply reply;
        reply.status = static_cast<int>(res.result_int());
        for (const auto& field : res) {
            std::string name(field.name_string());
            for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            reply.headers[name] = std::string(field.value());
        }
        reply.body = std::move(res.body());
        reply.keep_alive = res.keep_alive();
        co_return reply;
    }

    asio::awaitable<std::size_t> read_more() {
        const std::size_t n = co_await with_stream(
            [&](auto& s) { return s.async_read_some(buffer.prepare(4096), asio::use_awaitable); });
        buffer.commit(n);
        co_return n;
    }

    std::string buffered() const {
        const auto data = buffer.data();
        return {static_cast<const char*>(data.data()), data.size()};
    }
};

HttpClient::HttpClient(std::uint16_t port, std::string host, std::optional<std::string> ca_file,
                       std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
    impl_->host = host;
    impl_->timeout = timeout;
    tcp::resolver resolver(impl_->io);
    const auto endpoints = resolver.resolve(host, std::to_string(port));
    tcp::socket socket(impl_->io);
    asio::connect(socket, endpoints);
    socket.set_option(tcp::no_delay(true));
    if (!ca_file) {
        impl_->stream.emplace<tcp::socket>(std::move(socket));
        return;
    }
    impl_->tls.load_verify_file(*ca_file);
    impl_->tls.set_verify_mode(asio::ssl::verify_peer);
    auto& tls = impl_->stream.emplace<TlsStream>(std::move(socket), impl_->tls);
    tls.set_verify_callback(asio::ssl::host_name_verification(host));
    impl_->run<void>([&tls]() -> asio::awaitable<void> {
        co_await tls.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    }, timeout);
}

HttpClient::~HttpClient() = default;

HttpReply HttpClient::request(const HttpCall& call) {
    http::request<http::string_body> req{http::string_to_verb(call.method), call.target, 11};
    req.set(http::field::host, impl_->host);
    for (const auto& [name, value] : call.headers) req.set(name, value);
    if (!call.body.empty() && req.find(http::field::content_type) == req.end()) req.set(http::field::content_type, "application/json");
    req.body() = call.body;
    req.prepare_payload();
    std::ostringstream bytes;
    bytes << req;
    return impl_->run<HttpReply>([this, text = bytes.str()]() -> asio::awaitable<HttpReply> {
        co_await impl_->write(text);
        co_return co_await impl_->read_reply();
    }, impl_->timeout);
}

HttpReply HttpClient::read_reply() {
    return impl_->run<HttpReply>([this] { return impl_->read_reply(); }, impl_->timeout);
}

void HttpClient::write_raw(std::string_view bytes) {
    impl_->run<void>([this, text = std::string(bytes)] { return impl_->write(text); }, impl_->timeout);
}

void HttpClient::write_head_only(std::size_t content_length, std::string_view target) {
    write_raw("POST " + std::string(target) + " HTTP/1.1\r\nHost: " + impl_->host +
              "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(content_length) + "\r\n\r\n");
}

std::string HttpClient::read_until(std::string_view marker) {
    return impl_->run<std::string>([this, m = std::string(marker)]() -> asio::awaitable<std::string> {
        while (impl_->buffered().find(m) == std::string::npos) co_await impl_->read_more();
        co_return impl_->buffered();
    }, impl_->timeout);
}

bool HttpClient::closed_by_server(std::chrono::milliseconds within, std::string* read_before_close) {
    bool finished = false;
    const bool closed = impl_->run<bool>([this]() -> asio::awaitable<bool> {
        try {
            for (;;) co_await impl_->read_more();
        } catch (const boost::system::system_error&) {
            co_return true;  // end of stream, a reset, or a TLS stream cut
        }
    }, within, &finished);
    if (read_before_close) *read_before_close = impl_->buffered();
    return finished && closed;
}

void HttpClient::close() {
    boost::system::error_code ignored;
    impl_->socket().close(ignored);
}

std::vector<std::string> sse_data(std::string_view body, std::vector<std::string>* comments) {
    std::vector<std::string> out;
    while (!body.empty()) {
        const std::size_t end = body.find('\n');
        const std::string_view line = body.substr(0, end);
        if (line.starts_with("data: ")) out.emplace_back(line.substr(6));
        if (line.starts_with(":") && comments) comments->emplace_back(line.substr(1));
        if (end == std::string_view::npos) break;
        body.remove_prefix(end + 1);
    }
    return out;
}

}  // namespace agentroute::test
