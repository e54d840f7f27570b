#include "http_transport.hpp"

#include "answer_stream.hpp"
#include "http_client.hpp"
#include "url.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <optional>
#include <vector>

namespace agentroute::mcp::detail {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kept_error_bytes = 4096;
constexpr int max_resumptions = 5;

struct Exchange {
    int status = 0;
    std::string session_id;
    std::string error_body;  // the first bytes of an error status's body
};

using Fields = std::vector<std::pair<std::string, std::string>>;

// Outside the coroutines: GCC 12 cannot compile an initializer list inside one.
Fields post_fields(bool modern, const Outgoing& message) {
    Fields fields{{"Content-Type", "application/json"}, {"Accept", "application/json, text/event-stream"}};
    if (modern) {
        if (!message.method.empty()) fields.emplace_back("Mcp-Method", std::string(message.method));
        if (!message.name.empty()) fields.emplace_back("Mcp-Name", std::string(message.name));
    }
    return fields;
}

// A GET of the server's stream; with an event id, resumed after it.
Fields resume_fields(const std::string& last_event_id) {
    Fields fields{{"Accept", "text/event-stream"}};
    if (!last_event_id.empty()) fields.emplace_back("Last-Event-ID", last_event_id);
    return fields;
}

class HttpTransport final : public Transport {
public:
    HttpTransport(Strand strand, HttpServer server, std::size_t max_message_bytes, std::chrono::milliseconds connect_timeout)
        : strand_(std::move(strand)), server_(std::move(server)), max_(max_message_bytes), connect_timeout_(connect_timeout) {
        try {
            if (server_.url.starts_with("https://")) {
                url_ = net::detail::parse_https_url(server_.url);
                HttpsOptions options;
                options.ca_file = server_.ca_file;
                options.http2 = false;  // SSE answers hold their stream open; one connection each keeps it simple
                client_ = net::detail::HttpClient::shared(options);
            } else {
                url_ = net::detail::parse_plain_http_url(server_.url);
            }
        } catch (const ErrorConfig& e) {
            throw ErrorConfig(std::string("mcp::HttpServer::url: ") + e.what());
        }
        if (url_.path.empty()) url_.path.push_back('/');
        const auto& e = url_.endpoint;
        const bool default_port = (client_ && e.port == "443") || (!client_ && e.port == "80");
        host_ = default_port ? e.host : e.host + ":" + e.port;
    }

    asio::awaitable<void> open(OnMessage on_message, OnLost on_lost) override {
        on_message_ = std::move(on_message);
        on_lost_ = std::move(on_lost);
        co_return;
    }

    bool answers_within_send() const override { return true; }
    bool session_ends_with_connection() const override { return false; }
    void set_protocol_version(const std::string& version) override { protocol_version_ = version; }
    void forget_session() override {
        session_id_.clear();
        stop_listening();
    }

    // The legacy revisions' GET stream: the server's own requests (an elicitation asked from
    // inside a tool) and notifications (list changes) come on it. A server without one answers
    // 405; one that closes it is reconnected after its retry, with the last event id.
    void listen() override {
        stop_listening();
        listener_ = std::make_shared<asio::cancellation_signal>();
        // The loop holds its signal: the slot its reads are bound to must outlive them.
        asio::co_spawn(strand_, listen_loop(alive_, listener_), asio::bind_cancellation_slot(listener_->slot(), asio::detached));
    }

    asio::awaitable<void> send(const Outgoing& message) override {
        const std::int64_t id = message.is_request ? message.id : -1;
        const bool had_session = !session_id_.empty();
        AnswerStream answer([this](boost::json::value m) { on_message_(std::move(m)); }, max_, id);
        const Fields fields = post_fields(protocol_version_ >= "2026-07-28", message);
        std::string body(message.body);
        const Exchange result = co_await exchange("POST", std::move(body), fields, answer);
        if (result.status == 404 && had_session) {
            session_id_.clear();
            throw SessionLost("the MCP server's session expired (HTTP 404)", false);
        }
        if (result.status >= 400) {
            throw ErrorMcp("the MCP server answered HTTP " + std::to_string(result.status) +
                               (result.error_body.empty() ? std::string() : ": " + result.error_body),
                           0, false);
        }
        if (!answer.error().empty()) throw ErrorMcp(answer.error(), 0, true);
        if (id < 0 || answer.answered() || !answer.is_sse()) co_return;
        // The stream closed before its response. The legacy revisions let it be resumed: after
        // the server's `retry`, a GET with the last event id carries on where it stopped.
        std::string last_id = answer.last_event_id();
        std::chrono::milliseconds retry = answer.retry().value_or(1000ms);
        for (int attempt = 0; attempt < max_resumptions && !last_id.empty() && protocol_version_ < "2026-07-28"; ++attempt) {
            asio::steady_timer timer(strand_, retry);
            co_await timer.async_wait(asio::use_awaitable);
            AnswerStream resumed([this](boost::json::value m) { on_message_(std::move(m)); }, max_, id);
            const Fields get_fields = resume_fields(last_id);
            std::string no_body;
            const Exchange again = co_await exchange("GET", std::move(no_body), get_fields, resumed);
            if (again.status >= 400) break;
            if (!resumed.error().empty()) throw ErrorMcp(resumed.error(), 0, true);
            if (resumed.answered()) co_return;
            if (!resumed.last_event_id().empty()) last_id = resumed.last_event_id();
            if (resumed.retry()) retry = *resumed.retry();
        }
    }

    ~HttpTransport() override {
        *alive_ = false;
        stop_listening();
    }

    asio::awaitable<void> shutdown() override {
        stop_listening();
        if (session_id_.empty()) co_return;
        AnswerStream ignored([](boost::json::value) {}, max_, -1);
        try {
            const Fields none;
            std::string no_body;
            co_await exchange("DELETE", std::move(no_body), none, ignored);
        } catch (const std::exception&) {
            // The server is gone; so is its session.
        }
        session_id_.clear();
    }

private:
    void stop_listening() {
        if (listener_) listener_->emit(asio::cancellation_type::terminal);
        listener_.reset();
    }

    asio::awaitable<void> listen_loop(std::shared_ptr<bool> alive, std::shared_ptr<asio::cancellation_signal> /*held*/) {
        std::string last_id;
        std::chrono::milliseconds retry = 1000ms;
        for (int failures = 0; failures < max_resumptions;) {
            AnswerStream stream([this](boost::json::value m) { on_message_(std::move(m)); }, max_, -1);
            const Fields fields = resume_fields(last_id);
            std::string no_body;
            Exchange result;
            try {
                result = co_await exchange("GET", std::move(no_body), fields, stream);
            } catch (const boost::system::system_error&) {
                co_return;  // stopped
            } catch (const ErrorMcp&) {
                if (!*alive) co_return;
                ++failures;
            }
            if (!*alive || (result.status >= 400)) co_return;  // 405: the server has no such stream
            if (!stream.last_event_id().empty()) last_id = stream.last_event_id();
            if (stream.retry()) retry = *stream.retry();
            asio::steady_timer timer(strand_, retry);
            auto [ec] = co_await timer.async_wait(use_tuple);
            if (ec || !*alive) co_return;
        }
    }

    std::string fields_text(const std::vector<std::pair<std::string, std::string>>& fields) const {
        std::string text;
        net::detail::append_header(text, "Host", host_);
        for (const auto& [name, value] : fields) net::detail::append_header(text, name, value);
        if (!session_id_.empty()) net::detail::append_header(text, "Mcp-Session-Id", session_id_);
        if (!protocol_version_.empty()) net::detail::append_header(text, "MCP-Protocol-Version", protocol_version_);
        for (const auto& [name, value] : server_.headers) net::detail::append_header(text, name, value);
        return text;
    }

    void keep(Exchange& result, std::string_view chunk) const {
        if (result.status >= 400 && result.error_body.size() < kept_error_bytes) {
            result.error_body.append(chunk.substr(0, kept_error_bytes - result.error_body.size()));
        }
    }

    // GCC 12: no co_await inside a conditional expression, and no temporary with a destructor in
    // a co_await expression (each is destroyed twice): named variables throughout.
    asio::awaitable<Exchange> exchange(const char* method, std::string body,
                                       const std::vector<std::pair<std::string, std::string>>& fields, AnswerStream& answer) {
        Exchange result;
        if (client_) {
            result = co_await exchange_tls(method, std::move(body), fields, answer);
        } else {
            result = co_await exchange_plain(method, std::move(body), fields, answer);
        }
        if (!result.session_id.empty()) session_id_ = result.session_id;
        co_return result;
    }

    asio::awaitable<Exchange> exchange_tls(const char* method, std::string body,
                                           const std::vector<std::pair<std::string, std::string>>& fields, AnswerStream& answer) {
        const std::string header_text = fields_text(fields);
        net::detail::HttpRequest request;
        request.method = method;
        request.target = url_.path;
        request.fields = header_text;
        request.body = std::move(body);
        Exchange result;
        bool ok = true;
        net::detail::BodySink sink = [&](std::string_view chunk) {
            keep(result, chunk);
            if (ok) ok = answer.feed(chunk);
            return true;
        };
        net::detail::ExchangeResult r = co_await client_->exchange(url_.endpoint, request, sink);
        result.status = r.head.status;
        result.session_id = r.head.header("mcp-session-id");
        if (r.ec) {
            if (r.ec == asio::error::operation_aborted) throw boost::system::system_error(r.ec);
            throw ErrorMcp("MCP server " + server_.url + ": " + r.ec.message(), 0, r.request_sent);
        }
        if (ok) answer.finish();
        co_return result;
    }

    asio::awaitable<std::unique_ptr<beast::tcp_stream>> connection() {
        if (!idle_.empty()) {
            auto stream = std::move(idle_.back());
            idle_.pop_back();
            co_return stream;
        }
        auto stream = std::make_unique<beast::tcp_stream>(strand_);
        tcp::resolver resolver(strand_);
        auto [rec, endpoints] = co_await resolver.async_resolve(url_.endpoint.host, url_.endpoint.port, use_tuple);
        if (rec) throw ErrorMcp("MCP server " + server_.url + ": resolving: " + rec.message());
        stream->expires_after(connect_timeout_);
        auto [cec, connected] = co_await stream->async_connect(endpoints, use_tuple);
        if (cec) throw ErrorMcp("MCP server " + server_.url + ": connecting: " + cec.message());
        boost::system::error_code ignored;
        stream->socket().set_option(tcp::no_delay(true), ignored);  // a request is one write: no reason to wait for ACKs
        stream->expires_never();
        co_return stream;
    }

    asio::awaitable<Exchange> exchange_plain(const char* method, std::string body,
                                             const std::vector<std::pair<std::string, std::string>>& fields, AnswerStream& answer) {
        for (int attempt = 0;; ++attempt) {
            const bool reused = !idle_.empty();
            std::unique_ptr<beast::tcp_stream> stream = co_await connection();
            http::request<http::string_body> request{http::string_to_verb(method), url_.path, 11};
            request.set(http::field::host, host_);
            request.set(http::field::user_agent, "agentroute-cpp/0.1");
            for (const auto& [name, value] : fields) request.set(name, value);
            if (!session_id_.empty()) request.set("Mcp-Session-Id", session_id_);
            if (!protocol_version_.empty()) request.set("MCP-Protocol-Version", protocol_version_);
            for (const auto& [name, value] : server_.headers) request.set(name, value);
            request.body() = body;
            request.prepare_payload();
            auto [wec, written] = co_await http::async_write(*stream, request, use_tuple);
            beast::flat_buffer buffer;
            http::response_parser<http::buffer_body> parser;
            parser.body_limit(boost::none);
            boost::system::error_code rec;
            if (!wec) std::tie(rec, std::ignore) = co_await http::async_read_header(*stream, buffer, parser, use_tuple);
            const boost::system::error_code failed = wec ? wec : rec;
            if (failed == asio::error::operation_aborted) throw boost::system::system_error(failed);
            if (failed) {
                // A kept-alive connection the server closed meanwhile: once more on a fresh one.
                if (reused && attempt == 0) continue;
                throw ErrorMcp("MCP server " + server_.url + ": " + failed.message(), 0, !wec);
            }
            Exchange result;
            const auto& head = parser.get();
            result.status = static_cast<int>(head.result_int());
            if (auto it = head.find("mcp-session-id"); it != head.end()) result.session_id = std::string(it->value());
            if (auto it = head.find(http::field::content_type); it != head.end()) answer.set_content_type(it->value());
            bool ok = true;
            char chunk[16 * 1024];
            while (!parser.is_done()) {
                parser.get().body().data = chunk;
                parser.get().body().size = sizeof chunk;
                auto [ec, n] = co_await http::async_read_some(*stream, buffer, parser, use_tuple);  // each event as it comes
                if (ec == http::error::need_buffer) ec = {};
                const std::size_t got = sizeof chunk - parser.get().body().size;
                const std::string_view bytes(chunk, got);
                keep(result, bytes);
                if (ok && got) ok = answer.feed(bytes);
                if (ec == asio::error::operation_aborted) throw boost::system::system_error(ec);
                if (ec) throw ErrorMcp("MCP server " + server_.url + ": reading its answer: " + ec.message(), 0, true);
                if (!ok && result.status < 400) break;  // a bad message ends this answer; the connection goes
                // The response ends what this exchange waits for, whether or not the server
                // ends its stream (a resumed GET stream may stay open for more).
                if (answer.answered()) break;
            }
            if (ok) answer.finish();
            if (ok && parser.is_done() && parser.get().keep_alive()) idle_.push_back(std::move(stream));
            co_return result;
        }
    }

    Strand strand_;
    HttpServer server_;
    std::size_t max_;
    std::chrono::milliseconds connect_timeout_;
    net::detail::HttpsUrl url_;
    std::string host_;
    std::shared_ptr<net::detail::HttpClient> client_;
    std::vector<std::unique_ptr<beast::tcp_stream>> idle_;
    OnMessage on_message_;
    OnLost on_lost_;
    std::string session_id_;
    std::string protocol_version_;
    std::shared_ptr<asio::cancellation_signal> listener_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::unique_ptr<Transport> make_http_transport(Strand strand, HttpServer server, std::size_t max_message_bytes,
                                               std::chrono::milliseconds connect_timeout) {
    return std::make_unique<HttpTransport>(std::move(strand), std::move(server), max_message_bytes, connect_timeout);
}

}  // namespace agentroute::mcp::detail
