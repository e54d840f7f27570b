// The cost ceiling holds on tiny budgets too: against the fake (which bills the whole request,
// four bytes a token, and cuts an answer at max_tokens as a model does), what a run is billed
// never passes max_cost, whether it ends with its answer or with ErrorBudget. The prompt's
// pre-call estimate (a token per three request bytes) errs high enough for that.

#include <agentroute/agent.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <agentroute_test/fake_model.hpp>
#include <boost/describe.hpp>
#include <gtest/gtest.h>

using namespace agentroute;
using agentroute::testkit::FakeOpenRouter;

namespace {

struct Lookup {
    std::string ticket_id;
};
BOOST_DESCRIBE_STRUCT(Lookup, (), (ticket_id))

class TinyBudget : public ::testing::TestWithParam<double> {};

}  // namespace

TEST_P(TinyBudget, WhatIsBilledNeverPassesMaxCost) {
    const double max_cost = GetParam();
    for (const bool stream : {false, true}) {
        FakeOpenRouter fake;  // $0.000002 a token, in its catalogue too
        OpenRouterOptions o = agentroute::test::fake_options(fake, "anthropic/claude-sonnet-4.5");
        o.stream = stream;
        Agent agent({.name = "frugal", .model = std::make_shared<OpenRouterModel>(o),
                     .instructions = "You are a concise support agent.", .max_cost = max_cost});
        agent.tool("lookup_ticket", "Look a ticket up by id.", [](RunContext&, const Lookup& l) { return "open: " + l.ticket_id; });
        Usage counted;
        std::string ended;
        try {
            counted = agent.run_sync("Investigate ticket #4821").usage;
            ended = "answer";
        } catch (const ErrorBudget& e) {
            counted = e.usage();
            ended = "ErrorBudget";
        }
        EXPECT_LE(fake.billed_usd(), max_cost) << ended << ", stream " << stream;
        EXPECT_NEAR(counted.total_cost_usd, fake.billed_usd(), 1e-12);
    }
}

INSTANTIATE_TEST_SUITE_P(Budgets, TinyBudget, ::testing::Values(0.00005, 0.0001, 0.0002, 0.0003, 0.0005, 0.0007, 0.0009, 0.002),
                         [](const auto& info) { return "Usd" + std::to_string(static_cast<int>(info.param * 1e6)) + "e6"; });
