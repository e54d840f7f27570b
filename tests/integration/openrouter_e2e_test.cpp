// End to end over real HTTPS on loopback: Agent -> OpenRouterModel -> FakeOpenRouter.

#include <agentroute/agent.hpp>
#include <agentroute/memory/memory.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>
#include <agentroute/resolve_model.hpp>

#include <agentroute_test/fake_model.hpp>
#include <agentroute_test/run_co.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace agentroute;
using agentroute::test::expect_error;
using agentroute::testkit::FakeOpenRouter;

namespace {

struct LookupTicket {
    std::string ticket_id;
};
BOOST_DESCRIBE_STRUCT(LookupTicket, (), (ticket_id))

std::shared_ptr<OpenRouterModel> model_for(const FakeOpenRouter& fake, bool stream, bool http2 = false) {
    OpenRouterOptions o = agentroute::test::fake_options(fake, "anthropic/claude-sonnet-4.5");
    o.stream = stream;
    o.https.http2 = http2;
    o.app_title = "agentroute tests";
    return std::make_shared<OpenRouterModel>(o);
}

Agent<> support_agent(std::shared_ptr<Model> model) {
    Agent agent({.name = "support",
                 .model = std::move(model),
                 .instructions = "You are a support engineer. Look tickets up with lookup_ticket before you "
                                 "answer, then reply in two sentences.",
                 .max_turns = 5});
    agent.tool("lookup_ticket", "Look up a support ticket by its id and return its status line.",
               [](const LookupTicket& args) {
                   return "ticket " + args.ticket_id + ": open, priority high, nightly export failing since 02:00 (disk 100%)";
               });
    return agent;
}

// (streaming, HTTP/2)
class OpenRouterEndToEnd : public ::testing::TestWithParam<std::tuple<bool, bool>> {
protected:
    bool streaming() const { return std::get<0>(GetParam()); }
    bool http2() const { return std::get<1>(GetParam()); }
};

}  // namespace

TEST_P(OpenRouterEndToEnd, ToolCallToolResultFinalAnswerAndExactCost) {
    FakeOpenRouter fake;
    auto agent = support_agent(model_for(fake, streaming(), http2()));
    std::string streamed;
    RunOptions options;
    options.on_event = [&](const RunEvent& e) {
        if (e.kind == RunEvent::Kind::text_delta) streamed += e.text;
    };
    auto result = agent.run_sync("Investigate ticket #4821", options);

    EXPECT_EQ(result.output, agentroute::testkit::FakeOpenRouterOptions{}.final_text);
    EXPECT_EQ(result.usage.model_calls, 2);
    EXPECT_EQ(fake.chat_requests(), 2u);
    EXPECT_NEAR(result.usage.total_cost_usd, fake.billed_usd(), 1e-12);  // to the cent, and then some
    EXPECT_FALSE(result.usage.cost_estimated);
    if (streaming()) {
        EXPECT_EQ(streamed, result.output);
    }
    // The second request carried the tool result and the run id as session_id.
    auto body = boost::json::parse(fake.last_request_body());
    EXPECT_EQ(body.at("session_id").as_string(), result.run_id);
    const auto& messages = body.at("messages").get_array();
    EXPECT_EQ(messages.back().at("role"), "tool");
    EXPECT_EQ(messages.back().at("content").as_string(),
              "ticket x: open, priority high, nightly export failing since 02:00 (disk 100%)");
    auto headers = fake.last_request_headers();
    EXPECT_EQ(headers["authorization"], "Bearer sk-or-v1-test");
    EXPECT_EQ(headers["x-title"], "agentroute tests");
    // Both calls went over one kept-alive connection, of the protocol asked for.
    EXPECT_EQ(fake.connections(), 1u);
    EXPECT_EQ(fake.http2_connections(), http2() ? 1u : 0u);
}

TEST_P(OpenRouterEndToEnd, AnErrorAfterABilledCallKeepsItsCost) {
    FakeOpenRouter fake;
    auto agent = support_agent(model_for(fake, streaming(), http2()));
    // The second call fails for good: the first call's cost must still be on the error.
    fake.push_fault({.kind = agentroute::testkit::FakeFault::Kind::status, .status = 400, .skip = 1});
    auto e = expect_error<ErrorBadRequest>([&] { agent.run_sync("Investigate ticket #4821"); });
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.usage().model_calls, 1);
    EXPECT_GT(e.usage().total_cost_usd, 0);
    EXPECT_NEAR(e.usage().total_cost_usd, fake.billed_usd(), 1e-12);
}

TEST(OpenRouterModels, ResolveModelReachesTheFakeThroughEnvironment) {
    FakeOpenRouter fake;
    ::setenv("AGENTROUTE_BASE_URL", fake.base_url().c_str(), 1);
    ::setenv("AGENTROUTE_CA_FILE", fake.ca_file().c_str(), 1);
    auto model = resolve_model("claude-sonnet-4.5", ResolveOptions{.api_key = "sk-or-v1-explicit"});
    ::unsetenv("AGENTROUTE_BASE_URL");
    ::unsetenv("AGENTROUTE_CA_FILE");
    EXPECT_EQ(model->name(), "anthropic/claude-sonnet-4.5");
    Agent agent({.name = "a", .model = model});
    EXPECT_EQ(agent.run_sync("hi").output, agentroute::testkit::FakeOpenRouterOptions{}.final_text);
    EXPECT_EQ(fake.last_request_headers()["authorization"], "Bearer sk-or-v1-explicit");
}

TEST(OpenRouterModels, CatalogueGivesPricesAndCapsTheCall) {
    FakeOpenRouter fake;
    auto model = model_for(fake, true);
    auto price = agentroute::test::run_co(model->price());
    ASSERT_TRUE(price.has_value());
    EXPECT_DOUBLE_EQ(price->completion, 0.000002);
    // A $0.01 ceiling at $0.000002 a token buys at most ~5,000 output tokens: the call is capped.
    Agent agent({.name = "a", .model = model, .max_cost = 0.01});
    agent.run_sync("hi");
    auto body = boost::json::parse(fake.last_request_body());
    ASSERT_TRUE(body.get_object().contains("max_tokens"));
    EXPECT_LE(body.at("max_tokens").as_int64(), 5000);
    EXPECT_GT(body.at("max_tokens").as_int64(), 4000);
}

TEST(OpenRouterModels, MissingKeyNamesEveryPlaceAtRunTime) {
    FakeOpenRouter fake;
    OpenRouterOptions o = agentroute::test::fake_options(fake, "anthropic/claude-sonnet-4", "");
    Agent agent({.name = "a", .model = std::make_shared<OpenRouterModel>(o)});
    auto e = expect_error<ErrorConfig>([&] { agent.run_sync("hi"); });
    const std::string what = e.what();
    for (const char* place : {"api_key", "AGENTROUTE_API_KEY", "OPENROUTER_API_KEY", "agentroute login"}) {
        EXPECT_NE(what.find(place), std::string::npos) << place;
    }
    EXPECT_EQ(fake.chat_requests(), 0u);
}

TEST(OpenRouterModels, AWrongKeyIsErrorAuthAndNeverShowsTheKey) {
    agentroute::testkit::FakeOpenRouterOptions fo;
    fo.api_key = "sk-or-v1-the-right-one";
    FakeOpenRouter fake(fo);
    OpenRouterOptions o =
        agentroute::test::fake_options(fake, "anthropic/claude-sonnet-4", "sk-or-v1-SECRET-WRONG-KEY-1234567890");
    Agent agent({.name = "a", .model = std::make_shared<OpenRouterModel>(o)});
    auto e = expect_error<ErrorAuth>([&] { agent.run_sync("hi"); });
    EXPECT_EQ(e.status(), 401);
    EXPECT_EQ(std::string(e.what()).find("SECRET"), std::string::npos);
    EXPECT_EQ(e.provider_message().find("SECRET"), std::string::npos);
    EXPECT_EQ(fake.chat_requests(), 0u);  // refused before the chat handler, and not retried
}

INSTANTIATE_TEST_SUITE_P(Modes, OpenRouterEndToEnd, ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const auto& info) {
                             return std::string(std::get<0>(info.param) ? "Streaming" : "NonStreaming") +
                                    (std::get<1>(info.param) ? "OverHttp2" : "OverHttp1");
                         });

TEST(OpenRouterE2E, PreconnectedConnectionsServeTheNextRuns) {
    FakeOpenRouter fake;
    OpenRouterOptions o = agentroute::test::fake_options(fake);
    o.https.http2 = false;  // a connection per run (HTTP/2: http2_test.cpp)
    auto model = std::make_shared<OpenRouterModel>(o);
    Agent agent({.name = "a", .model = model});
    boost::asio::io_context io;
    std::size_t opened = 0;
    std::size_t answered = 0;
    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
        opened = co_await model->preconnect(5);
        EXPECT_EQ(co_await model->preconnect(5), 5u);  // the same five, counted, not doubled
        for (int i = 0; i < 5; ++i) {
            boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
                RunOptions options;
                if (!(co_await agent.run("hi", options)).output.empty()) ++answered;
            }, boost::asio::detached);
        }
    }, boost::asio::detached);
    io.run();
    EXPECT_EQ(opened, 5u);
    EXPECT_EQ(answered, 5u);
    EXPECT_EQ(fake.connections(), 5u);  // the runs found them open
}

TEST(OpenRouterE2E, PreconnectPastTheConnectionCapReturnsTheCapPromptly) {
    // It used to wait for ever: each of its children held its lease until all were done, so
    // those past max_connections_per_host waited for a slot only they could free.
    FakeOpenRouter fake;
    OpenRouterOptions o = agentroute::test::fake_options(fake);
    o.https.http2 = false;
    o.https.max_connections_per_host = 8;
    auto model = std::make_shared<OpenRouterModel>(o);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(agentroute::test::run_co(model->preconnect(20), std::chrono::seconds(5)), 8u);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    EXPECT_EQ(fake.connections(), 8u);
}

TEST(OpenRouterE2E, PreconnectToAnUnreachableHostOpensNoneAndDoesNotThrow) {
    OpenRouterOptions o;
    o.model = "fake/model";
    o.api_key = "k";
    o.base_url = "https://127.0.0.1:1/api/v1";  // nothing listens on port 1
    auto model = std::make_shared<OpenRouterModel>(o);
    EXPECT_EQ(agentroute::test::run_co(model->preconnect(3)), 0u);
}

TEST(OpenRouterE2E, AnOptionWithALineBreakCannotInjectAHeader) {
    OpenRouterOptions o;
    o.model = "fake/model";
    o.api_key = "sk-or-v1-secret";
    o.app_title = "Support\r\nX-Injected: 1";
    EXPECT_THROW(OpenRouterModel{o}, ErrorConfig);
    o.app_title = "Support";
    o.api_key = "sk-or-v1-secret\nX-Injected: 1";
    const auto e = expect_error<ErrorConfig>([&] { OpenRouterModel model(o); });
    EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << e.what();
}

TEST(OpenRouterE2E, RunsBeyondTheConnectionLimitWaitForAFreeConnection) {
    agentroute::testkit::FakeOpenRouterOptions fo;
    fo.latency = std::chrono::milliseconds(30);
    FakeOpenRouter fake(fo);
    OpenRouterOptions o = agentroute::test::fake_options(fake);
    o.https.http2 = false;  // the limit bounds HTTP/1.1 connections
    o.https.max_connections_per_host = 2;
    Agent agent({.name = "a", .model = std::make_shared<OpenRouterModel>(o)});
    boost::asio::io_context io;
    int answered = 0, timed_out = 0;
    for (int i = 0; i < 10; ++i) {
        boost::asio::co_spawn(io, [&, i]() -> boost::asio::awaitable<void> {
            RunOptions options;
            // Two of them give up while they wait for a connection: the others still get theirs.
            if (i >= 8) options.deadline = std::chrono::milliseconds(20);
            try {
                if (!(co_await agent.run("hi", options)).output.empty()) ++answered;
            } catch (const ErrorDeadline&) {
                ++timed_out;
            }
        }, boost::asio::detached);
    }
    io.run();
    EXPECT_EQ(answered, 8);
    EXPECT_EQ(timed_out, 2);
    EXPECT_EQ(fake.connections(), 2u);
}
