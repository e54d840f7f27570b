// Per-run limits and model: one agent serving many tenants, each run with its own.

#include <agentroute/agent.hpp>
#include <agentroute/testing/scripted_model.hpp>

#include <agentroute_test/run_co.hpp>
#include <gtest/gtest.h>

using namespace agentroute;
using namespace std::chrono_literals;
using agentroute::test::expect_error;
using agentroute::test::run_co;
using agentroute::testkit::ScriptedModel;

namespace {

std::shared_ptr<ScriptedModel> loop_model(int calls) {
    std::vector<testkit::ScriptStep> steps;
    for (int i = 0; i < calls; ++i) steps.push_back(ScriptedModel::tool_call("noop", "{}", Usage{1, 1, 0.10, 1}));
    steps.push_back(ScriptedModel::text("done"));
    return std::make_shared<ScriptedModel>(std::move(steps), testkit::ScriptedModelOptions{.per_run = true});
}

Agent<std::string> looping_agent(std::shared_ptr<Model> model) {
    Agent agent({.name = "a", .model = std::move(model), .max_cost = 10.0, .max_turns = 10});
    agent.tool("noop", "d", [](RunContext&) { return std::string("r"); });
    return agent;
}

}  // namespace

TEST(RunOverrides, MaxTurnsOfTheRunReplacesTheAgents) {
    auto agent = looping_agent(loop_model(5));
    RunOptions options;
    options.max_turns = 2;
    auto e = expect_error<ErrorMaxTurns>([&] { run_co(agent.run("go", std::move(options))); });
    EXPECT_EQ(e.limit(), 2);
    EXPECT_EQ(run_co(agent.run("again")).output, "done");  // the agent's own 10 still hold
}

TEST(RunOverrides, MaxCostOfTheRunReplacesTheAgents) {
    auto agent = looping_agent(loop_model(5));
    RunOptions options;
    options.max_cost = 0.25;
    auto e = expect_error<ErrorBudget>([&] { run_co(agent.run("go", std::move(options))); });
    EXPECT_DOUBLE_EQ(e.limit(), 0.25);
    EXPECT_NEAR(e.spent(), 0.30, 1e-9);
}

TEST(RunOverrides, InvalidLimitsAreErrorConfig) {
    auto agent = looping_agent(loop_model(0));
    RunOptions zero_turns;
    zero_turns.max_turns = 0;
    expect_error<ErrorConfig>([&] { run_co(agent.run("go", std::move(zero_turns))); });
    RunOptions negative_cost;
    negative_cost.max_cost = -1;
    expect_error<ErrorConfig>([&] { run_co(agent.run("go", std::move(negative_cost))); });
}

TEST(RunOverrides, AModelOfTheRunAnswersInsteadOfTheAgents) {
    auto agents_model = std::make_shared<ScriptedModel>(std::vector{ScriptedModel::text("agent's")});
    auto runs_model = std::make_shared<ScriptedModel>(std::vector{ScriptedModel::text("run's")});
    Agent agent({.name = "a", .model = agents_model});
    RunOptions options;
    options.model = runs_model;
    EXPECT_EQ(run_co(agent.run("go", std::move(options))).output, "run's");
    EXPECT_EQ(agents_model->calls(), 0u);
}

TEST(RunOverrides, AKeyForAModelObjectThatTakesNoneIsErrorConfig) {
    Agent agent({.name = "a", .model = std::make_shared<ScriptedModel>(std::vector{ScriptedModel::text("x")})});
    RunOptions options;
    options.api_key = "tenant-key";
    auto e = expect_error<ErrorConfig>([&] { run_co(agent.run("go", std::move(options))); });
    EXPECT_EQ(std::string(e.what()).find("tenant-key"), std::string::npos);  // never the key
}

TEST(RunOverrides, AnUnknownModelNameOfTheRunIsErrorConfig) {
    Agent agent({.name = "a", .model = std::make_shared<ScriptedModel>(std::vector{ScriptedModel::text("x")})});
    RunOptions options;
    options.model = "no-such-model-family";
    expect_error<ErrorConfig>([&] { run_co(agent.run("go", std::move(options))); });
}

// GCC 12 destroys a braced RunOptions temporary inside co_await twice; there such a call must
// not compile (and with other compilers it must).
template <class A>
concept takes_braced_options = requires(const A& agent) { agent.run(std::string(), {.deadline = 5s}); };
template <class A>
concept takes_named_options = requires(const A& agent, RunOptions options) {
    agent.run(std::string(), options);
    agent.run(std::string(), std::move(options));
};
static_assert(takes_named_options<Agent<std::string>>);
#if AGENTROUTE_REFUSE_BRACED_RUN_OPTIONS
static_assert(!takes_braced_options<Agent<std::string>>);
#else
static_assert(takes_braced_options<Agent<std::string>>);
#endif
