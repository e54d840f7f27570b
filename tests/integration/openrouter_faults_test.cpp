// Each injected fault ends in the documented behaviour (retry then success, or the right typed
// error) within a bounded time, and the pool serves the next run normally.

#include <agentroute/agent.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <agentroute_test/fake_model.hpp>
#include <agentroute_test/run_co.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>

using namespace agentroute;
using agentroute::testkit::FakeFault;
using agentroute::testkit::FakeOpenRouter;
using namespace std::chrono_literals;
using Kind = FakeFault::Kind;

namespace {

struct Case {
    const char* name;
    FakeFault fault;
    bool stream;
    /// Checks the outcome: nullptr = the run must succeed (after retries).
    std::function<void(std::exception_ptr)> check;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

template <class E>
std::function<void(std::exception_ptr)> expect() {
    return [](std::exception_ptr e) {
        ASSERT_TRUE(e) << "expected " << typeid(E).name() << ", the run succeeded";
        try {
            std::rethrow_exception(e);
        } catch (const E&) {
        } catch (const std::exception& other) {
            ADD_FAILURE() << "expected " << typeid(E).name() << ", got " << typeid(other).name() << ": " << other.what();
        }
    };
}

// (fault, HTTP/2)
class OpenRouterFaults : public ::testing::TestWithParam<std::tuple<Case, bool>> {};

}  // namespace

TEST_P(OpenRouterFaults, EndsAsDocumentedAndThePoolRecovers) {
    const auto& [c, http2] = GetParam();
    FakeOpenRouter fake;
    OpenRouterOptions o = agentroute::test::fake_options(fake, "anthropic/claude-sonnet-4.5");
    o.stream = c.stream;
    o.https.http2 = http2;
    o.https.idle_timeout = 400ms;
    o.retry.base_delay = 10ms;
    o.retry.max_retry_after = 5s;
    Agent agent({.name = "a", .model = std::make_shared<OpenRouterModel>(o)});

    fake.push_fault(c.fault);
    const auto start = std::chrono::steady_clock::now();
    std::exception_ptr error;
    std::string output;
    try {
        output = agent.run_sync("hello").output;
    } catch (...) {
        error = std::current_exception();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "bounded time";
    if (c.check) {
        c.check(error);
    } else {
        EXPECT_FALSE(error) << "expected a retry and then success";
        EXPECT_EQ(output, agentroute::testkit::FakeOpenRouterOptions{}.final_text);
    }
    // The next run is served normally by the same pool.
    EXPECT_EQ(agent.run_sync("again").output, agentroute::testkit::FakeOpenRouterOptions{}.final_text);
    EXPECT_EQ(fake.http2_connections() > 0, http2);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, OpenRouterFaults,
    ::testing::Combine(::testing::Values(
        Case{"RateLimitThenSuccess", {.kind = Kind::status, .status = 429, .retry_after = "0"}, true, nullptr},
        Case{"UpstreamThenSuccess", {.kind = Kind::status, .status = 502}, false, nullptr},
        Case{"AvailabilityThenSuccess", {.kind = Kind::availability, .retry_after = "0.01"}, true, nullptr},
        Case{"ErrorIn200BodyRetried", {.kind = Kind::error_in_200_body, .status = 503}, false, nullptr},
        Case{"HugeRetryAfterFailsFast", {.kind = Kind::status, .status = 429, .retry_after = "600"}, true,
             expect<ErrorRateLimit>()},
        Case{"AvailabilityNotRetryable", {.kind = Kind::availability, .retryable = false}, false, expect<ErrorUpstream>()},
        Case{"BadRequest", {.kind = Kind::status, .status = 400}, true, expect<ErrorBadRequest>()},
        Case{"Auth", {.kind = Kind::status, .status = 401}, true, expect<ErrorAuth>()},
        Case{"Credits", {.kind = Kind::status, .status = 402}, false, expect<ErrorCredits>()},
        Case{"Moderation", {.kind = Kind::status, .status = 403}, true, expect<ErrorModeration>()},
        Case{"NoEndpoint", {.kind = Kind::status, .status = 404}, true, expect<ErrorNotFound>()},
        Case{"ErrorIn200BodyNotRetryable", {.kind = Kind::error_in_200_body, .status = 400}, false,
             expect<ErrorBadRequest>()},
        Case{"ResetMidBody", {.kind = Kind::reset_mid_body}, false, expect<ErrorAgent>()},
        Case{"TruncatedStream", {.kind = Kind::truncated_stream}, true, expect<ErrorProtocol>()},
        Case{"StalledOnKeepAliveComments", {.kind = Kind::stall_keepalive}, true, expect<ErrorTimeout>()},
        Case{"ErrorEventMidStream", {.kind = Kind::error_in_stream, .status = 400}, true, expect<ErrorBadRequest>()},
        Case{"GarbageJson", {.kind = Kind::garbage_json}, false, expect<ErrorProtocol>()},
        // Refused at the head (ErrorProtocol: larger than max_response_bytes), not waited on
        // until the idle timeout (ErrorTimeout).
        Case{"HugeContentLengthRefusedAtTheHead", {.kind = Kind::huge_content_length}, false, expect<ErrorProtocol>()}),
        ::testing::Bool()),
    [](const auto& info) {
        return std::string(std::get<0>(info.param).name) + (std::get<1>(info.param) ? "OverHttp2" : "OverHttp1");
    });

TEST(OpenRouterFaultsUsage, AnErrorEventKeepsTheBilledCost) {
    FakeOpenRouter fake;
    Agent agent({.name = "a", .model = std::make_shared<OpenRouterModel>(agentroute::test::fake_options(fake))});
    fake.push_fault({.kind = Kind::error_in_stream, .status = 400});
    try {
        agent.run_sync("hello");
        FAIL();
    } catch (const ErrorBadRequest& e) {
        EXPECT_GT(e.usage().total_cost_usd, 0);
        EXPECT_NEAR(e.usage().total_cost_usd, fake.billed_usd(), 1e-12);
        // A billed call is a model call, also when it failed.
        EXPECT_EQ(e.usage().model_calls, 1);
        ASSERT_EQ(e.calls().size(), 1u);
        EXPECT_EQ(e.calls()[0].usage.model_calls, 1);
    }
}

TEST(OpenRouterFaultsUsage, AnErrorNothingWasBilledForCountsNoModelCall) {
    FakeOpenRouter fake;
    Agent agent({.name = "a", .model = std::make_shared<OpenRouterModel>(agentroute::test::fake_options(fake))});
    fake.push_fault({.kind = Kind::status, .status = 400});
    try {
        agent.run_sync("hello");
        FAIL();
    } catch (const ErrorBadRequest& e) {
        EXPECT_EQ(e.usage().total_cost_usd, 0);
        EXPECT_EQ(e.usage().model_calls, 0);
    }
}

// An answer slow to come, over either protocol (parameter: HTTP/2). The wait for it holds no
// parser and no buffer, and must still end on time.
class SlowAnswer : public ::testing::TestWithParam<bool> {
protected:
    static agentroute::testkit::FakeOpenRouterOptions answering_after(std::chrono::milliseconds latency) {
        agentroute::testkit::FakeOpenRouterOptions fo;
        fo.latency = latency;
        return fo;
    }
    OpenRouterOptions options_for(const FakeOpenRouter& fake) const {
        OpenRouterOptions o = agentroute::test::fake_options(fake);
        o.https.http2 = GetParam();
        return o;
    }
};

TEST_P(SlowAnswer, TheHeaderTimeoutEndsTheCallInTimeAndNamesTheOption) {
    auto slow_head = answering_after(2s);
    slow_head.head_first = false;
    FakeOpenRouter fake(slow_head);
    OpenRouterOptions o = options_for(fake);
    o.https.header_timeout = 100ms;
    o.retry.max_attempts = 1;
    Agent agent({.name = "a", .model = std::make_shared<OpenRouterModel>(o)});
    const auto start = std::chrono::steady_clock::now();
    const auto e = agentroute::test::expect_error<ErrorTimeout>([&] { agent.run_sync("hi"); });
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    EXPECT_NE(std::string(e.what()).find("header_timeout"), std::string::npos) << e.what();
}

TEST_P(SlowAnswer, ARunsDeadlineEndsTheWaitAndTheNextRunIsServed) {
    FakeOpenRouter fake(answering_after(400ms));
    Agent agent({.name = "a", .model = std::make_shared<OpenRouterModel>(options_for(fake))});
    // One io_context for all runs (the pool keeps connections per context); the first run opens
    // the connection, so the hurried one's deadline lands while it waits for its answer.
    boost::asio::io_context io;
    std::exception_ptr hurried_error;
    std::chrono::steady_clock::duration hurried_took{};
    std::string next_output;
    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
        RunOptions plain;
        co_await agent.run("warm up", plain);
        RunOptions hurried;
        hurried.deadline = 50ms;
        const auto start = std::chrono::steady_clock::now();
        try {
            co_await agent.run("hi", hurried);
        } catch (...) {
            hurried_error = std::current_exception();
        }
        hurried_took = std::chrono::steady_clock::now() - start;
        next_output = (co_await agent.run("again", plain)).output;
    }, boost::asio::detached);
    io.run();
    ASSERT_TRUE(hurried_error) << "the hurried run got its answer";
    agentroute::test::expect_error<ErrorDeadline>([&] { std::rethrow_exception(hurried_error); });
    EXPECT_LT(hurried_took, 300ms) << "before the answer came";
    EXPECT_EQ(next_output, agentroute::testkit::FakeOpenRouterOptions{}.final_text);
    // Over HTTP/1.1 the abandoned connection still has the late answer coming: it is closed, not
    // given to the next run. Over HTTP/2 only the stream is reset.
    EXPECT_EQ(fake.connections(), GetParam() ? 1u : 2u);
}

// A run cancelled at whatever point of its call it has reached (opening the connection, its
// handshake, waiting for the server's SETTINGS, between getting a stream slot and sending)
// leaves nothing behind: the next run is served and the io_context runs out of work. A stream
// slot taken but never used once kept the HTTP/2 reader running for ever.
TEST_P(SlowAnswer, ARunCancelledAnywhereInItsCallLeavesNothingRunning) {
    for (int ms = 1; ms <= 12; ++ms) {
        FakeOpenRouter fake(answering_after(60ms));
        Agent agent({.name = "a", .model = std::make_shared<OpenRouterModel>(options_for(fake))});
        boost::asio::io_context io;
        std::string next_output;
        boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
            RunOptions hurried;
            hurried.deadline = std::chrono::milliseconds(ms);
            try {
                co_await agent.run("hi", hurried);
            } catch (const ErrorDeadline&) {
            }
            RunOptions plain;
            next_output = (co_await agent.run("again", plain)).output;
        }, boost::asio::detached);
        io.run_for(10s);
        EXPECT_TRUE(io.stopped()) << "work left after both runs, cancelled after " << ms << " ms";
        EXPECT_EQ(next_output, agentroute::testkit::FakeOpenRouterOptions{}.final_text) << ms << " ms";
    }
}

INSTANTIATE_TEST_SUITE_P(Protocols, SlowAnswer, ::testing::Bool(),
                         [](const auto& info) { return info.param ? std::string("OverHttp2") : std::string("OverHttp1"); });
