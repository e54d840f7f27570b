// The server protects itself and its users' money: a client that leaves mid-stream has its run
// cancelled within 100 ms (what was billed still counted), or finished and stored when it asked
// for that; 429 with Retry-After at the run cap; a 1 MB header, a too-large body, a slow-loris
// client and an idle keep-alive connection are each refused or closed.

#include "http_client.hpp"
#include "metrics_text.hpp"
#include "requests.hpp"
#include "served.hpp"

#include <agentroute/memory/memory.hpp>

#include <agentroute_test/sanitizers.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <thread>

using namespace agentroute;
using namespace agentroute::test;
using namespace std::chrono_literals;
using agentroute::testkit::FakeOpenRouter;
using agentroute::testkit::FakeOpenRouterOptions;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

namespace {

// Polls `served`'s metrics until `series` reaches `value`; the time it took, or nullopt.
std::optional<Clock::duration> wait_for_metric(Served& served, const std::string& series, double value,
                                               Clock::duration within = 10s) {
    const auto start = Clock::now();
    while (Clock::now() - start < within) {
        if (metric(served.server().metrics(), series).value_or(-1) >= value) return Clock::now() - start;
        std::this_thread::sleep_for(1ms);
    }
    return std::nullopt;
}

double cost_total(Served& served) {
    return metric(served.server().metrics(), R"(agentroute_serve_cost_usd_total{agent="support"})").value_or(0);
}

}  // namespace

TEST(ServeProtection, AClientLeavingMidStreamCancelsItsRunWithin100msAndItsCostIsCounted) {
    // The model answers slowly: the client leaves after the first text and before the end.
    FakeOpenRouter fake(FakeOpenRouterOptions{.latency = 3s});
    Served served;
    served.server().add(Served::agent_on(fake, "support"));
    served.start();

    HttpClient client(served.port());
    client.write_raw(raw_post(stream_hello));
    client.read_until(R"("role":"assistant")");
    // The model's answer has begun (its head is out), and is 3 s from ending.
    while (fake.chat_requests() == 0) std::this_thread::sleep_for(1ms);
    const auto left = Clock::now();
    client.close();
    const auto took = wait_for_metric(served, R"(agentroute_serve_runs_total{agent="support",outcome="cancelled"})", 1);
    ASSERT_TRUE(took) << served.server().metrics();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - left);
    EXPECT_LE(ms, agentroute::test::sanitized ? 1000ms : 100ms);
    EXPECT_EQ(metric(served.server().metrics(), "agentroute_serve_runs_in_flight"), 0);
    // What the fake billed for the call that was cut is in the server's cost.
    EXPECT_NEAR(cost_total(served), fake.billed_usd(), 1e-12);
    // Recorded as nginx does a client that left: 499.
    EXPECT_TRUE(wait_for_metric(served, R"(agentroute_serve_requests_total{endpoint="/v1/chat/completions",status="499"})", 1));
}

TEST(ServeProtection, AClientLeavingDuringAToolCancelsTheRunKeepsNoHalfTurnAndCountsTheBilledCall) {
    // The first model call (the tool call) is billed; the client leaves while the tool runs.
    FakeOpenRouter fake;
    Agent<> agent = Served::agent_on(fake, "support", {.memory = std::make_shared<Memory>()});
    agent.tool("lookup_ticket", "Look a ticket up.",
               [](RunContext&, const Lookup& l) -> boost::asio::awaitable<std::string> {
                   boost::asio::steady_timer slow(co_await boost::asio::this_coro::executor, 5s);
                   co_await slow.async_wait(boost::asio::use_awaitable);
                   co_return "blocked: " + l.ticket_id;
               });
    Served served;
    served.server().add(std::move(agent));
    served.start();

    HttpClient client(served.port());
    client.write_raw(raw_post(stream_hello, "X-Agentroute-Conversation: c-9\r\n"));
    client.read_until(": tool lookup_ticket called");
    const auto left = Clock::now();
    client.close();
    ASSERT_TRUE(wait_for_metric(served, R"(agentroute_serve_runs_total{agent="support",outcome="cancelled"})", 1));
    EXPECT_LE(Clock::now() - left, agentroute::test::sanitized ? 1000ms : 100ms);
    EXPECT_EQ(fake.chat_requests(), 1u);
    EXPECT_GT(fake.billed_usd(), 0);
    EXPECT_NEAR(cost_total(served), fake.billed_usd(), 1e-12);
    EXPECT_GT(*metric(served.server().metrics(), R"(agentroute_serve_tokens_total{agent="support",type="output"})"), 0);
    // The prompt is kept; the tool call without its result is not (a provider would refuse the
    // conversation's next request).
    HttpClient later(served.port());
    const auto kept = later.request(get("/v1/conversations/c-9"));
    ASSERT_EQ(kept.status, 200) << kept.body;
    const json::value c = json::parse(kept.body);
    ASSERT_EQ(c.at("messages").as_array().size(), 1u) << kept.body;
    EXPECT_EQ(c.at("messages").at(0).at("role"), "user");
}

TEST(ServeProtection, FinishOnDisconnectStoresTheWholeAnswerForTheConversation) {
    FakeOpenRouter fake(FakeOpenRouterOptions{.latency = 300ms});
    Served served;
    served.server().add(Served::agent_on(fake, "support", {.memory = std::make_shared<Memory>()}));
    served.start();
    {
        HttpClient client(served.port());
        client.write_raw(raw_post(stream_hello, "X-Agentroute-Conversation: trip-7\r\nX-Agentroute-On-Disconnect: finish\r\n"));
        client.read_until(R"("role":"assistant")");
        client.close();  // a phone in a tunnel
    }
    ASSERT_TRUE(wait_for_metric(served, R"(agentroute_serve_runs_total{agent="support",outcome="completed"})", 1));
    HttpClient later(served.port());
    const auto kept = later.request(get("/v1/conversations/trip-7"));
    ASSERT_EQ(kept.status, 200) << kept.body;
    const json::value c = json::parse(kept.body);
    ASSERT_EQ(c.at("messages").as_array().size(), 2u);
    EXPECT_EQ(c.at("messages").at(1).at("content"), FakeOpenRouterOptions{}.final_text.c_str());
    EXPECT_NEAR(cost_total(served), fake.billed_usd(), 1e-12);
}

TEST(ServeProtection, PastTheRunCapA429WithRetryAfterAndNoQueue) {
    FakeOpenRouter fake(FakeOpenRouterOptions{.latency = 600ms});
    serve::ServeOptions options = Served::quick();
    options.max_concurrent_runs = 2;
    options.retry_after = 3s;
    Served served(options);
    served.server().add(Served::agent_on(fake, "support"));
    served.start();

    std::vector<std::unique_ptr<HttpClient>> busy;
    for (int i = 0; i < 2; ++i) {
        busy.push_back(std::make_unique<HttpClient>(served.port()));
        busy.back()->write_raw(raw_post(hello));
    }
    ASSERT_TRUE(wait_for_metric(served, "agentroute_serve_runs_in_flight", 2));
    HttpClient third(served.port());
    const auto start = Clock::now();
    const auto refused = third.request(chat(hello));
    EXPECT_LT(Clock::now() - start, 1s) << "refused at once, not queued";
    EXPECT_EQ(refused.status, 429) << refused.body;
    EXPECT_EQ(refused.header("retry-after"), "3");
    EXPECT_EQ(json::parse(refused.body).at("error").at("type"), "rate_limit_error");
    EXPECT_EQ(metric(served.server().metrics(), "agentroute_serve_overloaded_total"), 1);
    for (auto& c : busy) EXPECT_EQ(c->read_reply().status, 200);
    EXPECT_EQ(fake.chat_requests(), 2u);
    EXPECT_EQ(third.request(chat(hello)).status, 200) << "a place is free again";
}

TEST(ServeProtection, AOneMegabyteHeaderIsRefusedWith431) {
    FakeOpenRouter fake;
    Served served;
    served.server().add(Served::agent_on(fake, "support"));
    served.start();
    HttpClient client(served.port());
    const std::string huge(1 << 20, 'a');
    std::string reply;
    try {
        client.write_raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + huge + "\r\n\r\n");
    } catch (const std::exception&) {
        // The server may close before it has read all of it: its answer is still there.
    }
    EXPECT_TRUE(client.closed_by_server(5s, &reply));
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 431 ")) << reply.substr(0, 200);
    EXPECT_NE(reply.find("larger than 16384 bytes"), std::string::npos);
}

TEST(ServeProtection, ABodyPastTheLimitIsRefusedWith413BeforeItIsRead) {
    FakeOpenRouter fake;
    serve::ServeOptions options = Served::quick();
    options.max_body_bytes = 64 * 1024;
    Served served(options);
    served.server().add(Served::agent_on(fake, "support"));
    served.start();
    HttpClient client(served.port());
    client.write_head_only(10 * 1024 * 1024);  // announced, never sent
    const auto reply = client.read_reply();
    EXPECT_EQ(reply.status, 413) << reply.body;
    EXPECT_NE(reply.body.find("larger than 65536 bytes"), std::string::npos);
    EXPECT_TRUE(client.closed_by_server(5s));
    EXPECT_EQ(fake.chat_requests(), 0u);
}

TEST(ServeProtection, ASlowLorisClientIsClosedAtTheRequestTimeout) {
    FakeOpenRouter fake;
    serve::ServeOptions options = Served::quick();
    options.request_timeout = 400ms;
    Served served(options);
    served.server().add(Served::agent_on(fake, "support"));
    served.start();

    HttpClient client(served.port());
    const auto start = Clock::now();
    // A header byte every 100 ms: each read is quick, the request never ends.
    bool closed = false;
    for (int i = 0; i < 40 && !closed; ++i) {
        try {
            client.write_raw(i == 0 ? "GET /healthz HTTP/1.1\r\nX-Slow: " : "a");
        } catch (const std::exception&) {
            closed = true;
            break;
        }
        closed = client.closed_by_server(100ms);
    }
    const auto took = Clock::now() - start;
    EXPECT_TRUE(closed);
    EXPECT_GE(took, 400ms);
    EXPECT_LT(took, agentroute::test::sanitized ? 5s : 2s);
    EXPECT_EQ(metric_settles([&] { return served.server().metrics(); }, "agentroute_serve_open_connections", 0), 0);
}

TEST(ServeProtection, AnIdleKeepAliveConnectionIsClosedAtTheIdleTimeout) {
    FakeOpenRouter fake;
    serve::ServeOptions options = Served::quick();
    options.idle_timeout = 300ms;
    Served served(options);
    served.server().add(Served::agent_on(fake, "support"));
    served.start();
    HttpClient client(served.port());
    const auto reply = client.request(get("/healthz"));
    ASSERT_TRUE(reply.keep_alive);
    const auto after = Clock::now();
    EXPECT_TRUE(client.closed_by_server(3s));
    EXPECT_GE(Clock::now() - after, 250ms);
}

TEST(ServeProtection, ConnectionsPastTheCapAreClosedAtOnce) {
    FakeOpenRouter fake;
    serve::ServeOptions options = Served::quick();
    options.max_connections = 2;
    Served served(options);
    served.server().add(Served::agent_on(fake, "support"));
    served.start();
    HttpClient a(served.port()), b(served.port());
    EXPECT_EQ(a.request(get("/healthz")).status, 200);
    EXPECT_EQ(b.request(get("/healthz")).status, 200);
    HttpClient c(served.port());
    EXPECT_TRUE(c.closed_by_server(3s));
    a.close();
    metric_settles([&] { return served.server().metrics(); }, "agentroute_serve_open_connections", 1);
    HttpClient d(served.port());
    EXPECT_EQ(d.request(get("/healthz")).status, 200);
}
