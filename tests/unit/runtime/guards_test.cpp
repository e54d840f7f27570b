#include <agentroute/agent.hpp>
#include <agentroute/testing/function_model.hpp>
#include <agentroute/testing/scripted_model.hpp>

#include <agentroute_test/run_co.hpp>
#include <gtest/gtest.h>

#include <type_traits>

using namespace agentroute;
using agentroute::test::expect_error;
using agentroute::testkit::FunctionModel;
using agentroute::testkit::ScriptedModel;

namespace {

// A model that asks for the `noop` tool forever, each call costing `cost`.
std::shared_ptr<FunctionModel> looping_model(double cost) {
    return std::make_shared<FunctionModel>([cost](const ModelRequest&) {
        ModelResponse r;
        r.message = Message::assistant({}, {ToolCall{"c1", "noop", "{}"}});
        r.finish_reason = "tool_calls";
        r.usage = Usage{10, 1, cost, 1};
        return r;
    });
}

void add_noop(Agent<>& agent) {
    agent.tool("noop", "Does nothing.", [](RunContext&) { return std::string("ok"); });
}

}  // namespace

TEST(Guards, MaxTurnsDefaultStopsTheEleventhCall) {
    Agent agent({.name = "loop", .model = looping_model(0.0)});
    add_noop(agent);
    auto e = expect_error<ErrorMaxTurns>([&] { agent.run_sync("go"); });
    EXPECT_EQ(e.turn(), 11);
    EXPECT_EQ(e.limit(), 10);
    EXPECT_EQ(e.usage().model_calls, 10);
}

TEST(Guards, MaxTurnsIsConfigurable) {
    Agent agent({.name = "loop", .model = looping_model(0.0), .max_turns = 3});
    add_noop(agent);
    auto e = expect_error<ErrorMaxTurns>([&] { agent.run_sync("go"); });
    EXPECT_EQ(e.turn(), 4);
    EXPECT_EQ(e.limit(), 3);
    EXPECT_EQ(e.usage().model_calls, 3);
}

TEST(Guards, MaxCostStopsOnceAccumulatedCostCrossesIt) {
    Agent agent({.name = "pricey", .model = looping_model(0.2), .max_cost = 0.5});
    add_noop(agent);
    auto e = expect_error<ErrorBudget>([&] { agent.run_sync("go"); });
    EXPECT_NEAR(e.spent(), 0.6, 1e-12);
    EXPECT_DOUBLE_EQ(e.limit(), 0.5);
    EXPECT_EQ(e.usage().model_calls, 3);  // spent money is never lost
    EXPECT_NEAR(e.usage().total_cost_usd, 0.6, 1e-12);
}

TEST(Guards, TurnsAndCostAreIndependentValves) {
    Agent agent({.name = "cheap", .model = looping_model(0.001), .max_cost = 0.5, .max_turns = 2});
    add_noop(agent);
    EXPECT_THROW(agent.run_sync("go"), ErrorMaxTurns);
}

TEST(Guards, KnownPriceCapsMaxTokensUnderTheCeiling) {
    agentroute::testkit::ScriptedModelOptions options;
    options.price = ModelPrice{.prompt = 0.0, .completion = 0.001};
    auto model = std::make_shared<ScriptedModel>(
        std::vector{ScriptedModel::text("ok", Usage{1, 1, 0.001, 1})}, options);
    Agent agent({.name = "capped", .model = model, .max_cost = 0.5});
    agent.run_sync("go");
    ASSERT_EQ(model->requests().size(), 1u);
    EXPECT_EQ(model->requests()[0].max_output_tokens, 500);
}

TEST(Guards, ACallThatCannotFitIsNeverSent) {
    agentroute::testkit::ScriptedModelOptions options;
    options.price = ModelPrice{.prompt = 0.0, .completion = 1.0};
    auto model = std::make_shared<ScriptedModel>(std::vector{ScriptedModel::text("ok")}, options);
    Agent agent({.name = "capped", .model = model, .max_cost = 0.5});
    auto e = expect_error<ErrorBudget>([&] { agent.run_sync("go"); });
    EXPECT_EQ(model->calls(), 0u);
    EXPECT_EQ(e.spent(), 0.0);
}

TEST(Guards, ErrorHierarchyMatchesTheSpec) {
    static_assert(std::is_base_of_v<ErrorAgent, ErrorBudget>);
    static_assert(std::is_base_of_v<ErrorAgent, ErrorMaxTurns>);
    static_assert(std::is_base_of_v<ErrorAgent, ErrorRetries>);
    static_assert(std::is_base_of_v<ErrorAgent, ErrorHttp>);
    static_assert(std::is_base_of_v<ErrorHttp, ErrorAuth>);
    static_assert(std::is_base_of_v<std::runtime_error, ErrorAgent>);
    static_assert(!std::is_base_of_v<ErrorAgent, Retry>);

    Agent agent({.name = "pricey", .model = looping_model(1.0), .max_cost = 0.5});
    add_noop(agent);
    bool caught_as_base = false;
    try {
        agent.run_sync("go");
    } catch (const ErrorAgent& e) {
        caught_as_base = dynamic_cast<const ErrorBudget*>(&e) != nullptr;
    }
    EXPECT_TRUE(caught_as_base);
}

TEST(Guards, RetryIsNotCaughtAsErrorAgent) {
    bool reached_outer = false;
    try {
        try {
            throw Retry("fix it");
        } catch (const ErrorAgent&) {
            FAIL() << "Retry must not be an ErrorAgent";
        }
    } catch (const Retry& r) {
        reached_outer = r.message() == "fix it";
    }
    EXPECT_TRUE(reached_outer);
}

TEST(Guards, RetriesDefaultAllowsOneCorrectivePass) {
    auto model = std::make_shared<ScriptedModel>(std::vector{
        ScriptedModel::tool_call("flaky", "{}"), ScriptedModel::tool_call("flaky", "{}"),
        ScriptedModel::tool_call("flaky", "{}"), ScriptedModel::text("done")});
    Agent agent({.name = "r", .model = model});
    int calls = 0;
    agent.tool("flaky", "Fails twice.", [&](RunContext&) -> std::string {
        if (++calls <= 2) throw Retry("try again, attempt " + std::to_string(calls));
        return "fine";
    });
    auto e = expect_error<ErrorRetries>([&] { agent.run_sync("go"); });
    EXPECT_EQ(e.retries(), 1);
    EXPECT_EQ(e.last_message(), "try again, attempt 2");
    EXPECT_EQ(e.usage().model_calls, 2);
}

TEST(Guards, MoreRetriesGiveTheModelMoreChances) {
    auto model = std::make_shared<ScriptedModel>(std::vector{
        ScriptedModel::tool_call("flaky", "{}"), ScriptedModel::tool_call("flaky", "{}"),
        ScriptedModel::tool_call("flaky", "{}"), ScriptedModel::text("done")});
    Agent agent({.name = "r", .model = model, .retries = 2});
    int calls = 0;
    agent.tool("flaky", "Fails twice.", [&](RunContext&) -> std::string {
        if (++calls <= 2) throw Retry("try again");
        return "fine";
    });
    auto result = agent.run_sync("go");
    EXPECT_EQ(result.output, "done");
    // The correction went back to the model as the tool's result.
    const auto sent = model->requests()[1].messages.back();
    EXPECT_EQ(sent.role, Role::tool);
    EXPECT_EQ(sent.content, "try again");
}
