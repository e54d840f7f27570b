// Agent trees over real HTTPS against the loopback fake: a researcher fanning out to three
// child agents (8 model calls a tree), a handoff, the tree's budget and its cancellation, with
// the fake's ledger as the judge of every billed call.

#include <agentroute/agent.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <agentroute_test/fake_model.hpp>
#include <agentroute_test/run_co.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/describe.hpp>
#include <gtest/gtest.h>

#include <atomic>

using namespace agentroute;
using agentroute::test::expect_error;
using agentroute::testkit::FakeOpenRouter;
using agentroute::testkit::FakeOpenRouterOptions;
using namespace std::chrono_literals;

namespace {

struct Lookup {
    std::string topic;
};
BOOST_DESCRIBE_STRUCT(Lookup, (), (topic))

struct Tree {
    explicit Tree(FakeOpenRouter& fake, std::optional<double> max_cost = std::nullopt) {
        auto model = std::make_shared<OpenRouterModel>(agentroute::test::fake_options(fake, "anthropic/claude-sonnet-4.5"));
        child.emplace(AgentOptions{.name = "web", .model = model, .instructions = "Look things up."});
        child->tool("lookup", "Look a topic up.", [this](RunContext&, const Lookup& l) {
            ++lookups;
            return "notes on " + l.topic;
        });
        parent.emplace(AgentOptions{.name = "researcher", .model = model, .max_cost = max_cost});
        parent->tool(child->as_tool("research", "Research a topic in depth"));
    }
    std::optional<Agent<>> child, parent;
    std::atomic<int> lookups{0};
};

bool near(double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)); }

}  // namespace

TEST(MultiAgentOverHttps, AFanOutTreeCountsEveryBilledCallOnceAndRollsUpPerAgent) {
    FakeOpenRouter fake(FakeOpenRouterOptions{.tool_calls_per_answer = 3});
    Tree tree(fake);
    Result<std::string> result = tree.parent->run_sync("What drives the tides?");

    EXPECT_EQ(fake.chat_requests(), 8u);  // 1 + 3 x 2 + 1
    EXPECT_EQ(result.usage.model_calls, 8);
    EXPECT_EQ(tree.lookups.load(), 9);    // each child asked for three lookups at once
    EXPECT_TRUE(near(result.usage.total_cost_usd, fake.billed_usd()))
        << result.usage.total_cost_usd << " vs " << fake.billed_usd();
    const std::vector<AgentUsage> agents = result.usage_by_agent();
    ASSERT_EQ(agents.size(), 2u);
    EXPECT_EQ(agents[0].agent, "researcher");
    EXPECT_EQ(agents[0].usage.model_calls, 2);
    EXPECT_EQ(agents[1].agent, "researcher > web");
    EXPECT_EQ(agents[1].usage.model_calls, 6);
    EXPECT_EQ(agents[0].usage.input_tokens + agents[1].usage.input_tokens, result.usage.input_tokens);
    EXPECT_EQ(agents[0].usage.output_tokens + agents[1].usage.output_tokens, result.usage.output_tokens);
    EXPECT_TRUE(near(agents[0].usage.total_cost_usd + agents[1].usage.total_cost_usd, result.usage.total_cost_usd));
    for (const CallUsage& call : result.calls) EXPECT_FALSE(call.generation_id.empty());
}

TEST(MultiAgentOverHttps, TheParentsCeilingStopsTheTreeWithTheTreesTotal) {
    FakeOpenRouter fake(FakeOpenRouterOptions{.tool_calls_per_answer = 3});
    // About what the parent's first call and two children's first calls cost: the ceiling is
    // crossed inside the children.
    Tree tree(fake, 0.0012);
    auto e = expect_error<ErrorBudget>([&] { tree.parent->run_sync("What drives the tides?"); });
    EXPECT_EQ(e.limit(), 0.0012);
    EXPECT_TRUE(near(e.usage().total_cost_usd, fake.billed_usd())) << e.usage().total_cost_usd << " vs " << fake.billed_usd();
    EXPECT_EQ(e.usage().model_calls, static_cast<std::int64_t>(fake.chat_requests()));
    EXPECT_LT(fake.chat_requests(), 8u);
    const std::vector<AgentUsage> agents = e.usage_by_agent();
    ASSERT_EQ(agents.size(), 2u);  // the children spent too before the tree stopped
    EXPECT_EQ(agents[1].agent, "researcher > web");
    EXPECT_GE(agents[1].usage.model_calls, 1);
}

TEST(MultiAgentOverHttps, CancellingTheParentEndsTheChildrenWithinFiftyMillisecondsAndKeepsEveryBill) {
    FakeOpenRouter fake(FakeOpenRouterOptions{.latency = 400ms, .tool_calls_per_answer = 2});
    Tree tree(fake);
    boost::asio::io_context io;
    boost::asio::cancellation_signal signal;
    std::exception_ptr error;
    std::chrono::steady_clock::time_point cancelled_at, ended_at;
    boost::asio::co_spawn(io, tree.parent->run("What drives the tides?"),
                          boost::asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e, Result<std::string>) {
                              error = e;
                              ended_at = std::chrono::steady_clock::now();
                          }));
    // The parent's call answers at ~400 ms; both children then wait on theirs.
    boost::asio::steady_timer arm(io, 600ms);
    arm.async_wait([&](auto) {
        cancelled_at = std::chrono::steady_clock::now();
        signal.emit(boost::asio::cancellation_type::terminal);
    });
    io.run_for(10s);
    ASSERT_TRUE(error);
    EXPECT_LT(ended_at - cancelled_at, 50ms);
    auto e = expect_error<ErrorCancelled>([&] { std::rethrow_exception(error); });
    EXPECT_EQ(fake.chat_requests(), 3u);  // the parent's, and one per child
    // The children's calls the fake billed while they were cut off are priced by their
    // generation ids (docs/usage.md): every billed cent is counted, once.
    EXPECT_NEAR(e.usage().total_cost_usd, fake.billed_usd(), 1e-9);
    EXPECT_EQ(e.usage().model_calls, 3);
}

TEST(MultiAgentOverHttps, TriageHandsOffToBillingAndBillingsAnswerEndsTheRun) {
    FakeOpenRouterOptions options;
    options.final_text = "Refund issued.";
    FakeOpenRouter fake(options);
    auto model = std::make_shared<OpenRouterModel>(agentroute::test::fake_options(fake, "anthropic/claude-sonnet-4.5"));
    Agent billing({.name = "billing", .model = model, .instructions = "You handle refunds."});
    Agent triage({.name = "triage", .model = model, .instructions = "Route the customer."});
    triage.handoff(billing);  // the fake calls the first tool offered: the transfer
    Result<std::string> result = triage.run_sync("I was charged twice");
    EXPECT_EQ(result.output, "Refund issued.");
    EXPECT_EQ(result.agent, "billing");
    ASSERT_EQ(result.handoffs.size(), 1u);
    EXPECT_EQ(fake.chat_requests(), 2u);
    EXPECT_NE(fake.last_request_body().find("You handle refunds."), std::string::npos);
    EXPECT_TRUE(near(result.usage.total_cost_usd, fake.billed_usd()));
}
