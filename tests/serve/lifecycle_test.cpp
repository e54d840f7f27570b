// Listening, TLS, IPv6, draining (by call and by SIGTERM through `serve()`), the access log and
// the metrics exposition.

#include "http_client.hpp"
#include "metrics_text.hpp"
#include "requests.hpp"
#include "served.hpp"

#include "self_signed.hpp"

#include <agentroute/errors.hpp>

#include <agentroute_test/run_co.hpp>
#include <agentroute_test/temp_dir.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <mutex>

using namespace agentroute;
using namespace agentroute::test;
using namespace std::chrono_literals;
using agentroute::testkit::FakeOpenRouter;
using agentroute::testkit::FakeOpenRouterOptions;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

namespace {

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

bool connect_refused(std::uint16_t port) {
    try {
        HttpClient c(port);
        return c.closed_by_server(2s);
    } catch (const std::exception&) {
        return true;
    }
}

}  // namespace

TEST(ServeLifecycle, DrainLetsARunInFlightFinishAndStopsAccepting) {
    FakeOpenRouter fake(FakeOpenRouterOptions{.latency = 500ms});
    Served served;
    served.server().add(Served::agent_on(fake, "support"));
    served.start();
    HttpClient idle(served.port());
    ASSERT_EQ(idle.request(get("/healthz")).status, 200);
    HttpClient busy(served.port());
    busy.write_raw(raw_post(hello));
    while (metric(served.server().metrics(), "agentroute_serve_runs_in_flight") != 1) std::this_thread::sleep_for(1ms);

    served.server().drain();
    EXPECT_TRUE(idle.closed_by_server(2s)) << "an idle connection is closed at once";
    EXPECT_TRUE(connect_refused(served.port()));
    const auto reply = busy.read_reply();
    EXPECT_EQ(reply.status, 200) << reply.body;
    EXPECT_FALSE(reply.keep_alive) << "a draining server closes after the answer";
    EXPECT_TRUE(served.drain_and_wait(5s)) << "run() ends once the last connection has";
}

TEST(ServeLifecycle, DrainCancelsRunsLeftAtItsDeadline) {
    FakeOpenRouter fake(FakeOpenRouterOptions{.latency = 5s});
    serve::ServeOptions options = Served::quick();
    options.drain_timeout = 200ms;
    Served served(options);
    served.server().add(Served::agent_on(fake, "support"));
    served.start();
    HttpClient busy(served.port());
    busy.write_raw(raw_post(stream_hello));
    busy.read_until(R"("role":"assistant")");
    while (fake.chat_requests() == 0) std::this_thread::sleep_for(1ms);

    const auto start = Clock::now();
    EXPECT_TRUE(served.drain_and_wait(3s));
    EXPECT_GE(Clock::now() - start, 200ms);
    std::string rest;
    EXPECT_TRUE(busy.closed_by_server(2s, &rest));
    EXPECT_NE(rest.find("run_cancelled"), std::string::npos) << rest;
    EXPECT_EQ(metric(served.server().metrics(), R"(agentroute_serve_runs_total{agent="support",outcome="cancelled"})"), 1);
    EXPECT_NEAR(*metric(served.server().metrics(), R"(agentroute_serve_cost_usd_total{agent="support"})"), fake.billed_usd(),
                1e-12);
}

TEST(ServeLifecycle, SigtermDrainsTheServeFunction) {
    FakeOpenRouter fake(FakeOpenRouterOptions{.latency = 400ms});
    boost::asio::io_context io;
    std::promise<std::uint16_t> listening;
    serve::ServeOptions options = Served::quick();
    auto done = boost::asio::co_spawn(
        io, serve::serve({Served::agent_on(fake, "support")}, options, [&](std::uint16_t p) { listening.set_value(p); }),
        boost::asio::use_future);
    std::thread runner([&] { io.run(); });
    const std::uint16_t port = listening.get_future().get();
    HttpClient busy(port);
    busy.write_raw(raw_post(hello));
    while (fake.chat_requests() == 0) std::this_thread::sleep_for(1ms);

    std::raise(SIGTERM);
    EXPECT_EQ(busy.read_reply().status, 200) << "the run in flight finished";
    EXPECT_EQ(done.wait_for(5s), std::future_status::ready);
    runner.join();
    done.get();
}

TEST(ServeLifecycle, ServesHttpsWithAVerifiedCertificate) {
    const agentroute::test::TempDir dir;
    const auto certificates = testkit::detail::make_certificates();
    write_file(dir.file("ca.pem"), certificates.ca_pem);
    write_file(dir.file("server.pem"), certificates.server_cert_pem);
    write_file(dir.file("server.key"), certificates.server_key_pem);

    FakeOpenRouter fake;
    serve::ServeOptions options = Served::quick();
    options.tls = serve::TlsFiles{dir.file("server.pem"), dir.file("server.key")};
    Served served(options);
    served.server().add(Served::agent_on(fake, "support"));
    served.start();

    HttpClient client(served.port(), "127.0.0.1", dir.file("ca.pem"));
    const auto whole = client.request(chat(hello));
    EXPECT_EQ(whole.status, 200) << whole.body;
    const auto stream = client.request(chat(stream_hello));
    EXPECT_EQ(stream.status, 200);
    EXPECT_EQ(agentroute::test::sse_data(stream.body).back(), "[DONE]");

    // Plain HTTP to the TLS port: closed, and the server serves on.
    HttpClient plain(served.port());
    try {
        plain.write_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    } catch (const std::exception&) {
    }
    EXPECT_TRUE(plain.closed_by_server(3s));
    EXPECT_EQ(client.request(get("/healthz")).status, 200);
}

TEST(ServeLifecycle, TlsFilesThatCannotBeUsedAreAConfigError) {
    const agentroute::test::TempDir dir;
    write_file(dir.file("junk.pem"), "not a certificate");
    boost::asio::io_context io;
    serve::ServeOptions options = Served::quick();
    options.tls = serve::TlsFiles{dir.file("junk.pem"), dir.file("missing.key")};
    serve::Server server(io.get_executor(), options);
    const auto e = expect_error<ErrorConfig>([&] { server.listen(); });
    EXPECT_NE(std::string(e.what()).find("junk.pem"), std::string::npos) << e.what();
}

TEST(ServeLifecycle, AnAddressInUseIsAConfigError) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor taken(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    serve::ServeOptions options = Served::quick();
    options.port = taken.local_endpoint().port();
    serve::Server server(io.get_executor(), options);
    EXPECT_THROW(server.listen(), ErrorConfig);
}

TEST(ServeLifecycle, ServesOnIPv6Loopback) {
    boost::asio::io_context io;
    boost::system::error_code ec;
    boost::asio::ip::tcp::acceptor probe(io);
    probe.open(boost::asio::ip::tcp::v6(), ec);
    if (!ec) probe.bind({boost::asio::ip::make_address("::1"), 0}, ec);
    if (ec) GTEST_SKIP() << "this machine has no IPv6 loopback: " << ec.message();
    probe.close();

    FakeOpenRouter fake;
    serve::ServeOptions options = Served::quick();
    options.host = "::1";
    Served served(options);
    served.server().add(Served::agent_on(fake, "support"));
    served.start();
    HttpClient client(served.port(), "::1");
    EXPECT_EQ(client.request(chat(hello)).status, 200);
}

TEST(ServeLifecycle, TheAccessLogIsOneJsonObjectPerRequestWithoutCredentials) {
    std::mutex mutex;
    std::vector<std::string> lines;
    FakeOpenRouter fake;
    serve::ServeOptions options = Served::quick();
    options.access_log = [&](std::string_view line) {
        const std::lock_guard lock(mutex);
        lines.emplace_back(line);
    };
    Served served(options);
    served.server().add(Served::agent_on(fake, "support"));
    served.start();
    HttpClient client(served.port());
    EXPECT_EQ(client.request(chat(hello, {{"Authorization", "Bearer tenant-secret-123"}})).status, 200);
    EXPECT_EQ(client.request(get("/v1/conversations/x?token=query-secret")).status, 404);
    served.stop();

    ASSERT_EQ(lines.size(), 2u);
    for (const auto& line : lines) {
        EXPECT_EQ(line.find("secret"), std::string::npos) << line;
        EXPECT_TRUE(json::parse(line).is_object()) << line;
    }
    const json::value run = json::parse(lines[0]);
    EXPECT_EQ(run.at("method"), "POST");
    EXPECT_EQ(run.at("path"), "/v1/chat/completions");
    EXPECT_EQ(run.at("status"), 200);
    EXPECT_EQ(run.at("agent"), "support");
    EXPECT_EQ(run.at("outcome"), "completed");
    EXPECT_NEAR(run.at("cost_usd").to_number<double>(), fake.billed_usd(), 1e-12);
    EXPECT_GT(run.at("duration_us").as_int64(), 0);
}

TEST(ServeLifecycle, MetricsAndHealthEndpoints) {
    FakeOpenRouter fake;
    Served served;
    served.server().add(Served::agent_on(fake, "support"));
    served.start();
    HttpClient client(served.port());
    EXPECT_EQ(client.request(chat(hello)).status, 200);
    EXPECT_EQ(client.request(get("/healthz")).status, 200);
    const auto ready = client.request(get("/readyz"));
    EXPECT_EQ(ready.status, 200);
    EXPECT_EQ(ready.body, R"({"status":"ready"})");
    const auto scraped = client.request(get("/metrics"));
    ASSERT_EQ(scraped.status, 200);
    EXPECT_EQ(scraped.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const std::string& m = scraped.body;
    EXPECT_EQ(metric(m, R"(agentroute_serve_requests_total{endpoint="/v1/chat/completions",status="200"})"), 1);
    EXPECT_EQ(metric(m, R"(agentroute_serve_runs_total{agent="support",outcome="completed"})"), 1);
    EXPECT_GT(*metric(m, R"(agentroute_serve_tokens_total{agent="support",type="output"})"), 0);
    EXPECT_NEAR(*metric(m, R"(agentroute_serve_cost_usd_total{agent="support"})"), fake.billed_usd(), 1e-12);
    EXPECT_EQ(metric(m, R"(agentroute_serve_request_duration_seconds_count{endpoint="/v1/chat/completions"})"), 1);
    EXPECT_EQ(metric(m, R"(agentroute_serve_request_duration_seconds_bucket{endpoint="/v1/chat/completions",le="+Inf"})"), 1);
    EXPECT_EQ(metric(m, "agentroute_serve_open_connections"), 1);
}
