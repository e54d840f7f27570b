// The fake's sockets and TLS: the second (and last) TU with Beast and Asio-SSL templates.

#include <agentroute/net/fake_openrouter.hpp>

#include "fake_h2_session.hpp"
#include "fake_logic.hpp"
#include "scenario_answer.hpp"
#include "self_signed.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <deque>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace agentroute::testkit {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

struct FakeOpenRouter::Impl {
    explicit Impl(FakeOpenRouterOptions o)
        : options(std::move(o)), logic(options), acceptor(io) {}
    // Also runs when the constructor throws after making the folder (e.g. the port is taken).
    // A folder the caller named stays theirs; ours would pile up in /tmp, one per fake.
    ~Impl() {
        if (made_dir.empty()) return;
        std::error_code ignored;
        std::filesystem::remove_all(made_dir, ignored);
    }

    FakeOpenRouterOptions options;
    detail::FakeLogic logic;
    std::string ca_path;
    std::filesystem::path made_dir;  // the temp folder we made for ca.pem: removed at the end
    asio::io_context io;
    asio::ssl::context tls{asio::ssl::context::tls_server};
    tcp::acceptor acceptor;
    std::vector<std::thread> threads;
    std::atomic<std::size_t> connections{0};
    std::atomic<std::size_t> resumed{0};
    std::atomic<std::size_t> http2{0};
    std::atomic<bool> stopping{false};

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> serve(tcp::socket socket);
    asio::awaitable<void> serve_h2(asio::ssl::stream<tcp::socket>& stream);
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

// Writes ca.pem into `dir`, or into a fresh temp folder (returned in `made`) when `dir` is empty.
std::string write_ca(const std::string& dir, const std::string& pem, std::filesystem::path& made) {
    namespace fs = std::filesystem;
    fs::path folder = dir;
    if (folder.empty()) {
        std::string templ = (fs::temp_directory_path() / "agentroute-fake-XXXXXX").string();
        if (!::mkdtemp(templ.data())) throw std::runtime_error("fake OpenRouter: cannot make a temp folder");
        folder = made = templ;
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
    const unsigned char* alpn = nullptr;
    unsigned int alpn_size = 0;
    SSL_get0_alpn_selected(stream.native_handle(), &alpn, &alpn_size);
    if (alpn_size == 2 && alpn[0] == 'h' && alpn[1] == '2') {
        ++http2;
        co_await serve_h2(stream);
        co_return;
    }
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
        detail::Plan plan = logic.handle(std::move(request));
        std::string body;
        for (const auto& c : plan.chunks) body += c;
        std::string out = head_of(plan, plan.announced_length.value_or(body.size()));
        if (plan.latency.count() > 0) {
            if (plan.head_first) {
                auto [hec, sent] = co_await asio::async_write(stream, asio::buffer(out), tuple_awaitable);
                if (hec) co_return;
                out.clear();
            }
            timer.expires_after(plan.latency);
            co_await timer.async_wait(tuple_awaitable);
        }
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
        if (plan.end == End::hold) {
            // Silence until the client leaves (it sends nothing more on this connection).
            char ignored[64];
            co_await stream.async_read_some(asio::buffer(ignored), tuple_awaitable);
            co_return;
        }
        if (plan.end == End::stall) {
            // Keep-alive comments only, until the client gives up (bounded: two minutes).
            const std::string comment = frame_chunk(detail::keepalive_comment);
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

// HTTP/2: one reader (this coroutine), one writer at a time, and a coroutine per request for
// its latency; all on this connection's strand, so the session needs no lock.
namespace {

// One HTTP/2 connection of the fake: its session, its writer, and its answers waiting out the
// latency. The latency is the server's, so answers fall due in the order their requests came:
// one queue and one timer serve them all (a timer per answer cost a timerfd update each).
// Everything runs on the connection's strand.
struct H2Link : std::enable_shared_from_this<H2Link> {
    H2Link(asio::ssl::stream<tcp::socket>& stream, const asio::any_io_executor& executor,
           const std::atomic<bool>& stopping)
        : stream(stream), executor(executor), timer(executor), stopping(stopping) {}

    struct Due {
        std::int32_t id;
        detail::Plan plan;
        std::chrono::steady_clock::time_point at;
    };

    asio::ssl::stream<tcp::socket>& stream;
    asio::any_io_executor executor;
    asio::steady_timer timer;
    const std::atomic<bool>& stopping;
    std::unique_ptr<detail::H2ServerSession> session;
    std::deque<Due> due;
    std::string raw;  // frames a hostile plan writes past the session
    bool close_after_raw = false;  // and then the connection closes
    bool timer_armed = false;
    bool writing = false;
    bool closed = false;

    // Writes whatever the session has to send; one writer at a time.
    void flush() {
        if (writing || closed) return;
        writing = true;
        asio::co_spawn(executor, [self = shared_from_this()]() -> asio::awaitable<void> {
            for (;;) {
                std::string out = std::exchange(self->raw, {}) + self->session->output();
                if (out.empty() && self->close_after_raw && !self->closed) {
                    self->closed = true;
                    boost::system::error_code ignored;
                    self->stream.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
                    break;
                }
                if (out.empty() || self->closed) break;
                auto [ec, n] = co_await asio::async_write(self->stream, asio::buffer(out), tuple_awaitable);
                if (ec) {
                    self->closed = true;
                    break;
                }
            }
            self->writing = false;
        }, asio::detached);
    }

    void queue(std::int32_t id, detail::Plan plan) {
        if (plan.raw_h2 || !plan.raw_h2_frames.empty()) {
            raw += plan.raw_h2_frames;  // and no answer: the stream stays open, or the connection closes
            close_after_raw = close_after_raw || plan.raw_h2;
            flush();
            return;
        }
        if (plan.head_first && plan.latency.count() > 0) {
            session->respond_head(id, plan);  // the body follows when due
            flush();
        }
        const auto at = std::chrono::steady_clock::now() + plan.latency;
        // In due order: with the server's one latency, always the back (faults answer at once).
        auto it = due.end();
        while (it != due.begin() && std::prev(it)->at > at) --it;
        due.insert(it, Due{id, std::move(plan), at});
    }

    // Answers what is due, then sleeps until the next answer is.
    void release() {
        const auto now = std::chrono::steady_clock::now();
        bool answered = false;
        while (!closed && !due.empty() && due.front().at <= now) {
            Due d = std::move(due.front());
            due.pop_front();
            const bool stall = d.plan.end == detail::Plan::End::stall;
            if (d.plan.head_first && d.plan.latency.count() > 0) {
                session->respond_body(d.id, std::move(d.plan));
            } else {
                session->respond(d.id, std::move(d.plan));
            }
            answered = true;
            if (stall) keep_alive(d.id);
        }
        if (answered) flush();
        if (closed || due.empty()) return;
        if (timer_armed) {
            // An answer due sooner than the one the timer waits for: the cancelled wait's
            // handler comes back here and waits for it instead.
            if (due.front().at < timer.expiry()) timer.cancel();
            return;
        }
        timer_armed = true;
        timer.expires_at(due.front().at);
        timer.async_wait([self = shared_from_this()](boost::system::error_code) {
            self->timer_armed = false;
            self->release();
        });
    }

    // A stalled answer: keep-alive comments every 100 ms until the client leaves.
    void keep_alive(std::int32_t id) {
        asio::co_spawn(executor, [self = shared_from_this(), id]() -> asio::awaitable<void> {
            const std::string comment(detail::keepalive_comment);
            asio::steady_timer tick(self->executor);
            for (int i = 0; i < 1200 && !self->stopping && !self->closed; ++i) {
                tick.expires_after(std::chrono::milliseconds(100));
                co_await tick.async_wait(tuple_awaitable);
                if (self->closed || !self->session->send_more(id, comment)) co_return;
                self->flush();
            }
        }, asio::detached);
    }
};

}  // namespace

asio::awaitable<void> FakeOpenRouter::Impl::serve_h2(asio::ssl::stream<tcp::socket>& stream) {
    auto link = std::make_shared<H2Link>(stream, co_await asio::this_coro::executor, stopping);
    // The session holds this callback: it sees the link weakly, or the two would keep each
    // other alive once this coroutine is gone (the server stopping with a connection open
    // destroys it without running the end below).
    const std::weak_ptr<H2Link> weak = link;
    auto answer = [this, weak](std::int32_t id, detail::FakeRequest request) {
        if (const auto l = weak.lock()) l->queue(id, logic.handle(std::move(request)));
    };
    link->session = std::make_unique<detail::H2ServerSession>(answer, options.http2_max_streams);
    link->flush();  // our SETTINGS
    std::vector<std::uint8_t> buffer(16 * 1024);
    for (;;) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(buffer), tuple_awaitable);
        if (ec || !link->session->receive(buffer.data(), n)) break;
        link->release();  // the requests just read, when the latency is zero
        link->flush();
        if (!link->session->alive()) break;
    }
    link->closed = true;
    link->timer.cancel();
    // The writer may still hold the stream: let it finish before the stream goes away.
    asio::steady_timer wait(link->executor);
    while (link->writing) {
        wait.expires_after(std::chrono::milliseconds(1));
        co_await wait.async_wait(tuple_awaitable);
    }
    // Answers still due and keep-alive loops see `closed` and never touch the session.
    link->session.reset();
}

FakeOpenRouter::FakeOpenRouter(FakeOpenRouterOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
    Impl& i = *impl_;
    const detail::Certificates certs = detail::make_certificates();
    i.ca_path = write_ca(i.options.cert_dir, certs.ca_pem, i.made_dir);
    i.tls.use_certificate_chain(asio::buffer(certs.server_cert_pem));
    i.tls.use_private_key(asio::buffer(certs.server_key_pem), asio::ssl::context::pem);
    if (i.options.http2) {
        SSL_CTX_set_alpn_select_cb(i.tls.native_handle(), [](SSL*, const unsigned char** out, unsigned char* out_size,
                                                             const unsigned char* in, unsigned int in_size, void*) {
            static constexpr unsigned char ours[] = "\x02h2\x08http/1.1";
            unsigned char* chosen = nullptr;
            if (SSL_select_next_proto(&chosen, out_size, ours, sizeof ours - 1, in, in_size) != OPENSSL_NPN_NEGOTIATED) {
                return SSL_TLSEXT_ERR_NOACK;
            }
            *out = chosen;
            return SSL_TLSEXT_ERR_OK;
        }, nullptr);
    }
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
std::size_t FakeOpenRouter::random_faults() const { return impl_->logic.random_faults(); }
double FakeOpenRouter::billed_usd() const { return impl_->logic.billed_usd(); }
void FakeOpenRouter::add_generation(const std::string& id, double cost, std::int64_t prompt_tokens,
                                    std::int64_t completion_tokens, int not_found_first) {
    impl_->logic.add_generation(id, cost, prompt_tokens, completion_tokens, not_found_first);
}
std::size_t FakeOpenRouter::generation_lookups() const { return impl_->logic.generation_lookups(); }
std::size_t FakeOpenRouter::connections() const { return impl_->connections; }
std::size_t FakeOpenRouter::resumed_handshakes() const { return impl_->resumed; }
std::size_t FakeOpenRouter::http2_connections() const { return impl_->http2; }
std::string FakeOpenRouter::last_request_body() const { return impl_->logic.last_request_body(); }
std::size_t FakeOpenRouter::replay_recordings() const { return impl_->logic.replay_recordings(); }
std::vector<std::vector<std::string>> FakeOpenRouter::replay_collisions() const {
    return impl_->logic.replay_collisions();
}
std::map<std::string, std::string> FakeOpenRouter::last_request_headers() const {
    return impl_->logic.last_request_headers();
}

}  // namespace agentroute::testkit
