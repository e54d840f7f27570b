// N concurrent streaming chat-completions clients against an OpenAI-compatible server
// (`agentroute serve`, a Node peer, or the fake OpenRouter itself for the baseline): each opens
// its own connection, sends one `"stream": true` request, notes when the first text delta
// arrives and reads to `data: [DONE]`. Prints one JSON line: ok / failed, time to first token
// p50 / p99, wall time. bench/serve_bench.sh runs it and measures the server's CPU and RSS.
//
//   agentroute_bench_serve_load --url http://127.0.0.1:8080/v1/chat/completions --n 1000
//       [--ca ca.pem] [--model support] [--rate 4000] [--threads 1] [--expect TEXT]
//
// --rate: connections opened per second (a ramp, so that a listen backlog is not what is
// measured); --ca: HTTPS, the server's certificate verified against this CA.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

namespace {

struct Target {
    bool tls = false;
    std::string host;
    std::string port;
    std::string path;
};

Target parse_url(const std::string& url) {
    Target t;
    std::string rest;
    if (url.starts_with("https://")) {
        t.tls = true;
        rest = url.substr(8);
    } else if (url.starts_with("http://")) {
        rest = url.substr(7);
    } else {
        throw std::runtime_error("--url must be http:// or https://");
    }
    const auto slash = rest.find('/');
    const std::string authority = rest.substr(0, slash);
    t.path = slash == std::string::npos ? "/" : rest.substr(slash);
    const auto colon = authority.rfind(':');
    t.host = authority.substr(0, colon);
    t.port = colon == std::string::npos ? (t.tls ? "443" : "80") : authority.substr(colon + 1);
    return t;
}

struct Outcome {
    bool ok = false;
    double ttft_ms = -1;
    std::string error;
};

// The text of the `"content":"..."` members of the SSE events in `body`, in order (the
// answers of these servers escape nothing in the scenario's text).
std::string contents(const std::string& body) {
    std::string text;
    constexpr std::string_view key = R"("content":")";
    for (std::size_t at = body.find(key); at != std::string::npos; at = body.find(key, at)) {
        at += key.size();
        const std::size_t end = body.find('"', at);
        if (end == std::string::npos) break;
        text.append(body, at, end - at);
        at = end;
    }
    return text;
}

template <class Stream>
asio::awaitable<Outcome> exchange(Stream& stream, const std::string& request, Clock::time_point sent_from,
                                  const std::string& expect) {
    Outcome out;
    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(request), tuple_awaitable);
    if (wec) {
        out.error = "write: " + wec.message();
        co_return out;
    }
    std::string bytes;
    char chunk[8192];
    for (;;) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(chunk), tuple_awaitable);
        bytes.append(chunk, n);
        if (out.ttft_ms < 0) {
            // The first non-empty text delta (a role chunk or an empty delta does not count).
            const auto head_end = bytes.find("\r\n\r\n");
            if (head_end != std::string::npos && !contents(bytes.substr(head_end)).empty()) {
                out.ttft_ms = std::chrono::duration<double, std::milli>(Clock::now() - sent_from).count();
            }
        }
        if (bytes.find("data: [DONE]") != std::string::npos) break;
        if (ec) {
            out.error = "read: " + ec.message();
            co_return out;
        }
    }
    if (!bytes.starts_with("HTTP/1.1 200")) {
        out.error = "status: " + bytes.substr(0, bytes.find("\r\n"));
        co_return out;
    }
    const std::string text = contents(bytes.substr(bytes.find("\r\n\r\n")));
    out.ok = expect.empty() || text == expect;
    if (!out.ok) out.error = "text differs: " + text.substr(0, 80);
    co_return out;
}

asio::awaitable<Outcome> one_client(const Target& target, const tcp::resolver::results_type& endpoints,
                                    asio::ssl::context* tls, const std::string& request, const std::string& expect) {
    const auto executor = co_await asio::this_coro::executor;
    tcp::socket socket(executor);
    auto [cec, ep] = co_await asio::async_connect(socket, endpoints, tuple_awaitable);
    if (cec) co_return Outcome{false, -1, "connect: " + cec.message()};
    socket.set_option(tcp::no_delay(true));
    const auto sent = Clock::now();
    if (!tls) co_return co_await exchange(socket, request, sent, expect);
    asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls);
    SSL_set_tlsext_host_name(stream.native_handle(), target.host.c_str());
    stream.set_verify_callback(asio::ssl::host_name_verification(target.host));
    auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::client, tuple_awaitable);
    if (hec) co_return Outcome{false, -1, "handshake: " + hec.message()};
    co_return co_await exchange(stream, request, sent, expect);
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return -1;
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
    std::string url, ca, model = "support", expect;
    int n = 100, threads = 1;
    double rate = 4000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--url") url = value;
        else if (flag == "--ca") ca = value;
        else if (flag == "--model") model = value;
        else if (flag == "--n") n = std::stoi(value);
        else if (flag == "--rate") rate = std::stod(value);
        else if (flag == "--threads") threads = std::stoi(value);
        else if (flag == "--expect") expect = value;
        else {
            std::cerr << "unknown option " << flag << "\n";
            return 2;
        }
    }
    if (url.empty()) {
        std::cerr << "usage: agentroute_bench_serve_load --url URL [--n N] [--ca PEM] [--model M] [--rate R]\n";
        return 2;
    }
    const Target target = parse_url(url);
    const std::string body = boost::json::serialize(boost::json::object{
        {"model", model},
        {"stream", true},
        {"messages", boost::json::array{boost::json::object{{"role", "user"}, {"content", "Investigate ticket #4821"}}}}});
    const std::string request = "POST " + target.path + " HTTP/1.1\r\nHost: " + target.host + "\r\nConnection: close\r\n" +
                                "Authorization: Bearer sk-bench\r\nContent-Type: application/json\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body;

    asio::io_context io(threads);
    std::optional<asio::ssl::context> tls;
    if (target.tls) {
        tls.emplace(asio::ssl::context::tls_client);
        tls->set_verify_mode(asio::ssl::verify_peer);
        if (!ca.empty()) tls->load_verify_file(ca);
    }
    tcp::resolver resolver(io);
    const auto endpoints = resolver.resolve(target.host, target.port);

    std::vector<Outcome> outcomes(static_cast<std::size_t>(n));
    std::atomic<int> done{0};
    const auto start = Clock::now();
    asio::steady_timer ramp(io);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (int i = 0; i < n; ++i) {
                const auto at = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(i / rate));
                if (at > Clock::now()) {
                    ramp.expires_at(at);
                    co_await ramp.async_wait(tuple_awaitable);
                }
                asio::co_spawn(io, one_client(target, endpoints, tls ? &*tls : nullptr, request, expect),
                               [&, i](std::exception_ptr e, Outcome o) {
                                   if (e) o.error = "exception";
                                   outcomes[static_cast<std::size_t>(i)] = std::move(o);
                                   ++done;
                               });
            }
        },
        asio::detached);
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : pool) t.join();
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();

    std::vector<double> ttft;
    int ok = 0;
    std::map<std::string, int> errors;
    for (const Outcome& o : outcomes) {
        if (o.ok) {
            ++ok;
            if (o.ttft_ms >= 0) ttft.push_back(o.ttft_ms);
        } else {
            ++errors[o.error.substr(0, o.error.find(':'))];
        }
    }
    boost::json::object errs;
    for (const auto& [kind, count] : errors) errs[kind] = count;
    std::cout << boost::json::serialize(boost::json::object{{"n", n},
                                                            {"ok", ok},
                                                            {"failed", n - ok},
                                                            {"errors", std::move(errs)},
                                                            {"ttft_p50_ms", percentile(ttft, 0.50)},
                                                            {"ttft_p99_ms", percentile(ttft, 0.99)},
                                                            {"wall_s", wall}})
              << std::endl;
    return ok == n ? 0 : 1;
}
