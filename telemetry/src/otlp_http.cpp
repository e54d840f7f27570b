#include "otlp_http.hpp"

#include "http_client.hpp"
#include "url.hpp"

#include <agentroute/errors.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <optional>

namespace agentroute::telemetry::detail {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_answer_bytes = 1 << 20;  // a collector's answer is a few bytes

}  // namespace

struct OtlpHttpPoster::Impl {
    std::vector<std::pair<std::string, std::string>> headers;
    std::chrono::milliseconds timeout;
    // http://
    std::optional<net::detail::HttpsUrl> plain;
    std::optional<beast::tcp_stream> stream;  // kept alive between posts
    // https://
    std::optional<net::detail::HttpsUrl> secure;
    std::shared_ptr<net::detail::HttpClient> client;
    std::string secure_fields;

    asio::awaitable<PostResult> post_plain(const std::string& body);
    asio::awaitable<PostResult> post_secure(const std::string& body);
    asio::awaitable<PostResult> post_once(const std::string& body, bool& reused);
};

OtlpHttpPoster::OtlpHttpPoster(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::string& ca_file, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
    impl_->headers = headers;
    impl_->timeout = timeout;
    try {
        if (url.starts_with("https://")) {
            impl_->secure = net::detail::parse_https_url(url);
        } else {
            impl_->plain = net::detail::parse_plain_http_url(url);
        }
    } catch (const ErrorConfig& e) {
        throw ErrorConfig(std::string("OtlpOptions::endpoint: ") + e.what());
    }
    if (!impl_->secure) return;
    if (impl_->secure->path.empty()) impl_->secure->path.push_back('/');  // not = "/": GCC 12 -Wrestrict (PR 105329)
    HttpsOptions options;
    options.ca_file = ca_file;
    options.header_timeout = timeout;
    impl_->client = net::detail::HttpClient::shared(options);
    const auto& e = impl_->secure->endpoint;
    net::detail::append_header(impl_->secure_fields, "Host", e.port == "443" ? e.host : e.host + ":" + e.port);
    net::detail::append_header(impl_->secure_fields, "Content-Type", "application/json");
    for (const auto& [name, value] : headers) net::detail::append_header(impl_->secure_fields, name, value);
}

OtlpHttpPoster::~OtlpHttpPoster() = default;

asio::awaitable<PostResult> OtlpHttpPoster::post(const std::string& body) {
    if (impl_->secure) co_return co_await impl_->post_secure(body);
    co_return co_await impl_->post_plain(body);
}

asio::awaitable<PostResult> OtlpHttpPoster::Impl::post_secure(const std::string& body) {
    net::detail::HttpRequest request;
    request.target = secure->path;
    request.fields = secure_fields;
    request.body = body;  // the HTTPS client sends (and resends) a body of its own
    PostResult out;
    net::detail::BodySink sink = [&out](std::string_view chunk) {
        if (out.body.size() < max_answer_bytes) out.body.append(chunk.substr(0, max_answer_bytes - out.body.size()));
        return true;
    };
    net::detail::ExchangeResult result = co_await client->exchange(secure->endpoint, request, sink);
    out.ec = result.ec;
    out.status = result.head.status;
    out.retry_after = result.head.header("retry-after");
    co_return out;
}

asio::awaitable<PostResult> OtlpHttpPoster::Impl::post_plain(const std::string& body) {
    bool reused = false;
    PostResult result = co_await post_once(body, reused);
    // A kept-alive connection the collector closed meanwhile: once more on a fresh one.
    if (result.ec && reused) result = co_await post_once(body, reused);
    co_return result;
}

asio::awaitable<PostResult> OtlpHttpPoster::Impl::post_once(const std::string& body, bool& reused) {
    PostResult out;
    auto executor = co_await asio::this_coro::executor;
    reused = stream.has_value() && stream->socket().is_open();
    if (!reused) {
        stream.emplace(executor);
        tcp::resolver resolver(executor);
        auto [rec, endpoints] = co_await resolver.async_resolve(plain->endpoint.host, plain->endpoint.port, use_tuple);
        if (rec) {
            out.ec = rec;
            stream.reset();
            co_return out;
        }
        stream->expires_after(timeout);
        auto [cec, connected] = co_await stream->async_connect(endpoints, use_tuple);
        if (cec) {
            out.ec = cec;
            stream.reset();
            co_return out;
        }
    }
    // The body as a view of the caller's: a batch is hundreds of KB, never copied.
    http::request<http::span_body<const char>> request{http::verb::post, plain->path, 11};
    request.set(http::field::host, plain->endpoint.port == "80" ? plain->endpoint.host : plain->endpoint.host + ":" + plain->endpoint.port);
    request.set(http::field::content_type, "application/json");
    request.set(http::field::user_agent, "agentroute-cpp/0.1");
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = {body.data(), body.size()};
    request.prepare_payload();
    stream->expires_after(timeout);
    auto [wec, written] = co_await http::async_write(*stream, request, use_tuple);
    if (wec) {
        out.ec = wec;
        stream.reset();
        co_return out;
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_answer_bytes);
    auto [rec, read] = co_await http::async_read(*stream, buffer, parser, use_tuple);
    if (rec) {
        out.ec = rec;
        stream.reset();
        co_return out;
    }
    reused = false;
    const auto& response = parser.get();
    out.status = static_cast<int>(response.result_int());
    if (auto it = response.find(http::field::retry_after); it != response.end()) out.retry_after = std::string(it->value());
    out.body = response.body();
    if (!response.keep_alive()) stream.reset();
    else stream->expires_never();
    co_return out;
}

}  // namespace agentroute::telemetry::detail
