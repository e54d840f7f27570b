// Per-call usage records: one per model call in `Result::calls` and `ErrorAgent::calls()`,
// adding up to the run's usage; and a cost ceiling that stops before spending blind.

#include <agentroute/agent.hpp>
#include <agentroute/history/summarize.hpp>
#include <agentroute/testing/scripted_model.hpp>

#include <agentroute_test/run_co.hpp>
#include <agentroute_test/script.hpp>
#include <agentroute_test/usage_sum.hpp>
#include <gtest/gtest.h>

#include <sstream>

using namespace agentroute;
using agentroute::test::sum;
using agentroute::test::expect_error;
using agentroute::test::run_co;
using agentroute::test::script;
using agentroute::testkit::ScriptedModel;

namespace {

Usage unknown_cost() {
    Usage u{40, 8, 0.0, 1};
    u.cost_unknown = true;
    return u;
}

Agent<> agent_with(std::shared_ptr<Model> model, std::optional<double> max_cost = {}, bool allow_unknown_cost = false) {
    Agent agent({.name = "calls", .model = std::move(model), .max_cost = max_cost, .allow_unknown_cost = allow_unknown_cost});
    agent.tool("noop", "Does nothing.", [](RunContext&) { return std::string("ok"); });
    return agent;
}

}  // namespace

TEST(CallUsage, OneRecordPerCallAddingUpToTheRunsUsage) {
    Usage cached{100, 20, 0.02, 1};
    cached.cached_input_tokens = 60;
    cached.reasoning_tokens = 7;
    auto model = script({ScriptedModel::tool_call("noop", "{}", cached), ScriptedModel::text("done", Usage{120, 5, 0.01, 1})});
    Result<std::string> result = agent_with(model).run_sync("go");
    ASSERT_EQ(result.calls.size(), 2u);
    EXPECT_EQ(result.usage, sum(result.calls));
    EXPECT_EQ(result.usage.cached_input_tokens, 60);
    EXPECT_EQ(result.usage.reasoning_tokens, 7);
    for (const CallUsage& call : result.calls) {
        EXPECT_EQ(call.model, "test/scripted");
        EXPECT_EQ(call.cost_source, CostSource::billed);
        EXPECT_EQ(call.attempts, 1);
        EXPECT_EQ(call.purpose, CallPurpose::answer);
        EXPECT_FALSE(call.failed);
    }
    EXPECT_EQ(result.calls[0].usage, cached);
}

TEST(CallUsage, AFailedCallKeepsItsBilledRecordInTheError) {
    auto model = script({ScriptedModel::tool_call("noop", "{}"),
                         ScriptedModel::error(ErrorUpstream("upstream failed", {.status = 502}, Usage{30, 2, 0.004, 1}))});
    auto e = expect_error<ErrorUpstream>([&] { agent_with(model).run_sync("go"); });
    ASSERT_EQ(e.calls().size(), 2u);
    EXPECT_FALSE(e.calls()[0].failed);
    EXPECT_TRUE(e.calls()[1].failed);
    EXPECT_EQ(e.calls()[1].usage, (Usage{30, 2, 0.004, 1}));
    EXPECT_EQ(e.usage(), sum(e.calls()));
}

TEST(CallUsage, AnUnbilledFailureAddsNoRecord) {
    auto model = script({ScriptedModel::error(ErrorBadRequest("bad", {.status = 400}))});
    auto e = expect_error<ErrorBadRequest>([&] { agent_with(model).run_sync("go"); });
    EXPECT_TRUE(e.calls().empty());
    EXPECT_EQ(e.usage(), Usage{});
}

TEST(CallUsage, AnUnknownCostUnderMaxCostStopsBeforeTheNextCall) {
    auto model = script({ScriptedModel::tool_call("noop", "{}", unknown_cost()), ScriptedModel::text("done")});
    auto e = expect_error<ErrorCostUnknown>([&] { agent_with(model, 1.0).run_sync("go"); });
    EXPECT_EQ(model->calls(), 1u);
    ASSERT_EQ(e.calls().size(), 1u);
    EXPECT_EQ(e.calls()[0].cost_source, CostSource::unknown);
    EXPECT_TRUE(e.usage().cost_unknown);
    EXPECT_EQ(e.limit(), 1.0);
    EXPECT_NE(std::string(e.what()).find("test/scripted"), std::string::npos) << e.what();
    const ErrorBudget& as_budget = e;  // caught wherever budget stops are
    EXPECT_EQ(as_budget.spent(), 0.0);
}

TEST(CallUsage, AnUnknownCostRunsOnWithoutACeilingOrWhenAllowed) {
    for (const bool allowed : {false, true}) {
        auto model = script({ScriptedModel::tool_call("noop", "{}", unknown_cost()), ScriptedModel::text("done")});
        Result<std::string> result =
            allowed ? agent_with(model, 1.0, true).run_sync("go") : agent_with(model).run_sync("go");
        EXPECT_EQ(result.output, "done");
        EXPECT_TRUE(result.usage.cost_unknown);
        EXPECT_EQ(result.calls[0].cost_source, CostSource::unknown);
        EXPECT_EQ(result.calls[1].cost_source, CostSource::billed);
    }
}

TEST(CallUsage, AFinalAnswerOfUnknownCostEndsTheRunMarkedUnknown) {
    auto model = script({ScriptedModel::text("done", unknown_cost())});
    Result<std::string> result = agent_with(model, 1.0).run_sync("go");
    EXPECT_TRUE(result.usage.cost_unknown);
    std::ostringstream printed;
    printed << result.usage;
    EXPECT_NE(printed.str().find("(cost unknown)"), std::string::npos) << printed.str();
}

TEST(CallUsage, TheHistoryPolicysSpendingIsARecordOfItsOwn) {
    std::vector<testkit::ScriptStep> summaries(8, ScriptedModel::text("summary", Usage{50, 10, 0.003, 1}));
    auto summarizer = script(std::move(summaries));
    Agent agent({.name = "long", .model = script({ScriptedModel::tool_call("noop", "{}"), ScriptedModel::text("done")}),
                 .history = std::make_shared<HistorySummarize>(summarizer, 1)});
    agent.tool("noop", "Does nothing.", [](RunContext&) { return std::string("ok"); });
    RunOptions options;  // earlier turns, for the policy to summarize
    for (int i = 0; i < 4; ++i) {
        options.message_history.push_back(Message::user("question " + std::to_string(i)));
        options.message_history.push_back(Message::assistant("answer " + std::to_string(i)));
    }
    Result<std::string> result = agent.run_sync("go", std::move(options));
    const auto history = std::count_if(result.calls.begin(), result.calls.end(),
                                       [](const CallUsage& c) { return c.purpose == CallPurpose::history; });
    EXPECT_GE(history, 1);
    EXPECT_EQ(static_cast<std::size_t>(history), summarizer->calls());
    EXPECT_EQ(result.usage, sum(result.calls));
}

TEST(CallUsage, AFailedSummaryKeepsWhatItWasBilled) {
    auto summarizer = script({ScriptedModel::error(ErrorProtocol("cut answer", Usage{70, 3, 0.005, 1}))});
    Agent agent({.name = "long", .model = script({ScriptedModel::text("done")}),
                 .history = std::make_shared<HistorySummarize>(summarizer, 1)});
    RunOptions options;
    for (int i = 0; i < 4; ++i) {
        options.message_history.push_back(Message::user("question " + std::to_string(i)));
        options.message_history.push_back(Message::assistant("answer " + std::to_string(i)));
    }
    auto e = expect_error<ErrorProtocol>([&] { agent.run_sync("go", std::move(options)); });
    EXPECT_EQ(e.usage(), (Usage{70, 3, 0.005, 1}));
    ASSERT_EQ(e.calls().size(), 1u);
    EXPECT_EQ(e.calls()[0].purpose, CallPurpose::history);
    EXPECT_TRUE(e.calls()[0].failed);
}

TEST(CallUsage, TheStreamsUsageEventCarriesTheCallsRecord) {
    Usage cached{100, 20, 0.02, 1};
    cached.cached_input_tokens = 60;
    auto model = script({ScriptedModel::text("done", cached)});
    Agent agent({.name = "s", .model = model});
    auto events = run_co([&]() -> boost::asio::awaitable<std::vector<StreamEvent<std::string>>> {
        auto stream = agent.stream("go");
        std::vector<StreamEvent<std::string>> out;
        while (auto event = co_await stream.next()) out.push_back(std::move(*event));
        co_return out;
    }());
    auto usage = std::find_if(events.begin(), events.end(), [](const auto& e) { return e.kind == RunEvent::Kind::usage; });
    ASSERT_NE(usage, events.end());
    ASSERT_TRUE(usage->model_call());
    EXPECT_EQ(usage->model_call()->usage, cached);
    EXPECT_EQ(usage->model_call()->model, "test/scripted");
    ASSERT_TRUE(events.back().result());
    EXPECT_EQ(events.back().result()->calls.size(), 1u);
}
