#include <agentroute/agent.hpp>
#include <agentroute/testing/scripted_model.hpp>

#include <agentroute_test/run_co.hpp>
#include <agentroute_test/script.hpp>
#include <gtest/gtest.h>

#include <sstream>

using namespace agentroute;
using agentroute::test::expect_error;
using agentroute::test::run_co;
using agentroute::test::script;
using agentroute::testkit::ScriptedModel;

TEST(Agent, DefaultsMatchTheSpec) {
    AgentOptions options;
    EXPECT_EQ(options.max_turns, 10);
    EXPECT_EQ(options.retries, 1);
    EXPECT_FALSE(options.max_cost.has_value());
}

TEST(Agent, PlainRunReturnsTextUsageAndMessages) {
    auto model = script({ScriptedModel::text("Hello there.", Usage{12, 3, 0.25, 1})});
    Agent agent({.name = "greeter", .model = model, .instructions = "Be brief."});

    Result<std::string> result = run_co(agent.run("Hi"));

    EXPECT_EQ(result.output, "Hello there.");
    EXPECT_EQ(result.usage, (Usage{12, 3, 0.25, 1}));
    ASSERT_EQ(result.messages.size(), 3u);
    EXPECT_EQ(result.messages[0], Message::system("Be brief."));
    EXPECT_EQ(result.messages[1], Message::user("Hi"));
    EXPECT_EQ(result.messages[2].content, "Hello there.");
    EXPECT_EQ(result.run_id.rfind("run_", 0), 0u);
    ASSERT_EQ(model->requests().size(), 1u);
    EXPECT_EQ(model->requests()[0].run_id, result.run_id);
}

TEST(Agent, RunSyncServesPlainPrograms) {
    Agent agent({.name = "a", .model = script({ScriptedModel::text("ok")})});
    EXPECT_EQ(agent.run_sync("hi").output, "ok");
}

TEST(Agent, ToStringAndStreamPrintTheOutput) {
    Agent agent({.name = "a", .model = script({ScriptedModel::text("The answer.")})});
    auto result = agent.run_sync("q");
    EXPECT_EQ(to_string(result), "The answer.");
    std::ostringstream os;
    os << result;
    EXPECT_EQ(os.str(), "The answer.");
}

TEST(Agent, UsageAccumulatesAcrossModelCallsAndTools) {
    auto model = script({ScriptedModel::tool_call("noop", "{}", Usage{100, 10, 0.01, 1}),
                         ScriptedModel::tool_call("noop", "{}", Usage{200, 20, 0.02, 1}),
                         ScriptedModel::text("done", Usage{300, 30, 0.03, 1})});
    Agent agent({.name = "a", .model = model});
    int tool_runs = 0;
    agent.tool("noop", "Does nothing.", [&](RunContext&) {
        ++tool_runs;
        return std::string("nothing");
    });

    auto result = agent.run_sync("go");

    EXPECT_EQ(tool_runs, 2);
    EXPECT_EQ(result.usage.input_tokens, 600);
    EXPECT_EQ(result.usage.output_tokens, 60);
    EXPECT_DOUBLE_EQ(result.usage.total_cost_usd, 0.06);
    EXPECT_EQ(result.usage.model_calls, 3);
}

TEST(Agent, UsagePrintsAllFields) {
    std::ostringstream os;
    os << Usage{1, 2, 0.5, 3};
    EXPECT_EQ(os.str(), "input_tokens=1 output_tokens=2 total_cost_usd=0.500000 model_calls=3");
}

TEST(Agent, MessageHistoryContinuesAConversation) {
    auto model = script({ScriptedModel::text("first"), ScriptedModel::text("second")});
    Agent agent({.name = "a", .model = model, .instructions = "sys"});
    auto first = agent.run_sync("one");
    auto second = agent.run_sync("two", {.message_history = first.messages});

    ASSERT_EQ(second.messages.size(), 5u);
    EXPECT_EQ(second.messages[0], Message::system("sys"));  // not duplicated
    EXPECT_EQ(second.messages[1].content, "one");
    EXPECT_EQ(second.messages[2].content, "first");
    EXPECT_EQ(second.messages[3].content, "two");
    EXPECT_EQ(model->requests()[1].messages.size(), 4u);
}

TEST(Agent, CopiesShareOneConfiguration) {
    Agent agent({.name = "a", .model = script({ScriptedModel::text("x")})});
    Agent copy = agent;
    EXPECT_EQ(&copy.options(), &agent.options());
}

TEST(Agent, RegistrationAfterTheFirstRunIsRefused) {
    Agent agent({.name = "a", .model = script({ScriptedModel::text("x")})});
    agent.run_sync("hi");
    EXPECT_THROW(agent.tool("late", "too late", [](RunContext&) { return std::string(); }),
                 std::logic_error);
}

TEST(Agent, DuplicateToolNamesAreRefused) {
    Agent agent({.name = "a", .model = script({ScriptedModel::text("x")})});
    agent.tool("t", "d", [](RunContext&) { return std::string(); });
    EXPECT_THROW(agent.tool("t", "d", [](RunContext&) { return std::string(); }), std::logic_error);
}

TEST(Agent, MissingModelIsAConfigError) {
    EXPECT_THROW(Agent({.name = "a"}), ErrorConfig);
}

TEST(Agent, EventsObserveTheLoopInOrder) {
    auto model = script({ScriptedModel::tool_call("noop", "{}"), ScriptedModel::text("done")});
    Agent agent({.name = "a", .model = model});
    agent.tool("noop", "d", [](RunContext&) { return std::string("r"); });
    std::vector<RunEvent::Kind> kinds;
    agent.run_sync("go", {.on_event = [&](const RunEvent& e) { kinds.push_back(e.kind); }});
    using K = RunEvent::Kind;
    EXPECT_EQ(kinds, (std::vector<K>{K::tool_call_started, K::tool_call_delta, K::usage, K::tool_call,
                                     K::tool_result, K::text_delta, K::usage, K::completed}));
}

TEST(Agent, AsyncRunCompletesAToken) {
    Agent agent({.name = "a", .model = script({ScriptedModel::text("cb")})});
    boost::asio::io_context io;
    std::string got;
    agent.async_run(io.get_executor(), "hi", RunOptions(), [&](std::exception_ptr e, Result<std::string> r) {
        EXPECT_FALSE(e);
        got = r.output;
    });
    io.run();
    EXPECT_EQ(got, "cb");
}
