// Money is never lost: runs cancelled, or out of time, at every point of their calls (before
// the request is sent, while the model thinks, as the answer arrives, between the two calls of
// a tool turn, in a back-off) still count every call the server billed. The fake's ledger is
// the judge: what it billed equals what the runs' usage says, over HTTP/1.1 and HTTP/2,
// streamed and not.

#include <agentroute/agent.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <agentroute_test/fake_model.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/describe.hpp>
#include <gtest/gtest.h>

#include <random>

using namespace agentroute;
using agentroute::testkit::FakeOpenRouter;
using agentroute::testkit::FakeOpenRouterOptions;
using namespace std::chrono_literals;

namespace {

struct Lookup {
    std::string ticket_id;
};
BOOST_DESCRIBE_STRUCT(Lookup, (), (ticket_id))

struct Tally {
    Usage counted;
    int completed = 0, cancelled = 0, deadlines = 0, other = 0;
    bool estimated = false;
};

// (HTTP/2, streamed)
class CancelledBilling : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

}  // namespace

TEST_P(CancelledBilling, EveryBilledCallIsCountedExactlyOnce) {
    const auto [http2, stream] = GetParam();
    FakeOpenRouter fake(FakeOpenRouterOptions{.latency = 40ms});
    OpenRouterOptions o = agentroute::test::fake_options(fake, "anthropic/claude-sonnet-4.5");
    o.https.http2 = http2;
    o.stream = stream;
    auto model = std::make_shared<OpenRouterModel>(o);
    Agent agent({.name = "billing", .model = model});
    agent.tool("lookup_ticket", "Look a ticket up.", [](RunContext&, const Lookup& l) { return "open: " + l.ticket_id; });

    boost::asio::io_context io;
    constexpr int runs = 120;
    std::mt19937 rng(http2 * 2 + stream);
    // Two 40 ms calls a run, after connections that 120 HTTP/1.1 runs open at once: stop points
    // from before the first request to past the end of the last.
    std::uniform_int_distribution<int> at_ms(0, 300);
    Tally tally;
    std::vector<std::unique_ptr<boost::asio::cancellation_signal>> signals;
    std::vector<std::unique_ptr<boost::asio::steady_timer>> timers;
    for (int i = 0; i < runs; ++i) {
        const auto stop_at = std::chrono::milliseconds(at_ms(rng));
        // Of every eight runs: four cancelled, three out of time, one left alone (so some runs
        // complete however slow the machine, a sanitizer build's included).
        const bool left_alone = i % 8 == 7;
        RunOptions options;
        if (i % 2 == 1 && !left_alone) options.deadline = stop_at;
        auto& signal = *signals.emplace_back(std::make_unique<boost::asio::cancellation_signal>());
        if (i % 2 == 0) {
            auto& timer = *timers.emplace_back(std::make_unique<boost::asio::steady_timer>(io, stop_at));
            timer.async_wait([&signal](auto) { signal.emit(boost::asio::cancellation_type::terminal); });
        }
        boost::asio::co_spawn(io, agent.run("Investigate ticket #4821", options),
                              boost::asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e, Result<std::string> r) {
                                  if (!e) {
                                      ++tally.completed;
                                      tally.counted += r.usage;
                                      return;
                                  }
                                  try {
                                      std::rethrow_exception(e);
                                  } catch (const ErrorCancelled& c) {
                                      ++tally.cancelled;
                                      tally.counted += c.usage();
                                  } catch (const ErrorDeadline& d) {
                                      ++tally.deadlines;
                                      tally.counted += d.usage();
                                  } catch (const ErrorAgent& a) {
                                      ++tally.other;
                                      ADD_FAILURE() << "unexpected: " << a.what();
                                      tally.counted += a.usage();
                                  }
                              }));
    }
    io.run_for(30s);
    EXPECT_EQ(tally.completed + tally.cancelled + tally.deadlines + tally.other, runs);
    EXPECT_GT(tally.completed, 0);
    EXPECT_GT(tally.cancelled, 0);
    EXPECT_GT(tally.deadlines, 0);
    // Every abandoned call's head arrived within settle_timeout: nothing needed an estimate.
    EXPECT_FALSE(tally.counted.cost_estimated);
    EXPECT_GT(fake.billed_usd(), 0);
    EXPECT_NEAR(tally.counted.total_cost_usd, fake.billed_usd(), 1e-9)
        << "completed " << tally.completed << ", cancelled " << tally.cancelled << ", deadlines " << tally.deadlines
        << "; chat requests " << fake.chat_requests();
}

INSTANTIATE_TEST_SUITE_P(Transports, CancelledBilling,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const auto& info) {
                             return std::string(std::get<0>(info.param) ? "Http2" : "Http1") +
                                    (std::get<1>(info.param) ? "Streamed" : "Whole");
                         });

TEST(CancelledBilling, ACancelledBackOffKeepsTheAttemptsBilledBeforeIt) {
    // The first answer is billed, then a retryable error in a 200 body sends the call to a
    // back-off (1 s, from retry_after) that the run's deadline ends.
    FakeOpenRouter fake;
    fake.push_response({200, {{"content-type", "application/json"}},
                        R"({"error":{"code":503,"message":"busy","availability":{"retryable":true,"retry_after":1}},)"
                        R"("usage":{"prompt_tokens":10,"completion_tokens":0,"cost":0.125}})"});
    OpenRouterOptions o = agentroute::test::fake_options(fake, "anthropic/claude-sonnet-4.5");
    o.stream = false;
    Agent agent({.name = "backoff", .model = std::make_shared<OpenRouterModel>(o)});
    try {
        agent.run_sync("hello", {.deadline = 300ms});
        FAIL() << "the run outlived its deadline";
    } catch (const ErrorDeadline& e) {
        EXPECT_DOUBLE_EQ(e.usage().total_cost_usd, 0.125);
    }
}
