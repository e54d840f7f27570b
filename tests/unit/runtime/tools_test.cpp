#include <agentroute/agent.hpp>
#include <agentroute/testing/scripted_model.hpp>

#include <agentroute_test/run_co.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace agentroute;
using agentroute::test::expect_error;
using agentroute::test::run_co;
using agentroute::testkit::ScriptedModel;

namespace {

struct LookupTicket {
    std::string ticket_id;
    std::optional<int> detail_level;
};
BOOST_DESCRIBE_STRUCT(LookupTicket, (), (ticket_id, detail_level))

struct Weather {
    std::string city;
    double celsius;
};
BOOST_DESCRIBE_STRUCT(Weather, (), (city, celsius))

}  // namespace

TEST(Tools, SchemaComesFromTheArgumentType) {
    auto model = std::make_shared<ScriptedModel>(std::vector{ScriptedModel::text("x")});
    Agent agent({.name = "a", .model = model});
    agent.tool("lookup_ticket", "Look up a ticket.",
               [](RunContext&, const LookupTicket& args) { return args.ticket_id; });
    EXPECT_EQ(json_schema<LookupTicket>(),
              R"({"type":"object","properties":{"ticket_id":{"type":"string"},)"
              R"("detail_level":{"type":"integer"}},"required":["ticket_id"],)"
              R"("additionalProperties":false})");
    agent.run_sync("hi");
    EXPECT_EQ(model->requests()[0].tool_names, std::vector<std::string>{"lookup_ticket"});
}

TEST(Tools, HandlerGetsParsedArgumentsAndContext) {
    auto model = std::make_shared<ScriptedModel>(std::vector{
        ScriptedModel::tool_call("lookup_ticket", R"({"ticket_id":"4821"})"),
        ScriptedModel::text("done")});
    Agent agent({.name = "support", .model = model});
    std::string seen_run;
    agent.tool("lookup_ticket", "Look up a ticket.",
               [&](RunContext& ctx, const LookupTicket& args) {
                   seen_run = ctx.run_id();
                   EXPECT_EQ(ctx.agent_name(), "support");
                   EXPECT_EQ(ctx.turn(), 1);
                   EXPECT_EQ(ctx.usage().model_calls, 1);
                   return "ticket " + args.ticket_id + ": open";
               });
    auto result = agent.run_sync("Investigate ticket #4821");
    EXPECT_EQ(seen_run, result.run_id);
    const Message tool_msg = model->requests()[1].messages.back();
    EXPECT_EQ(tool_msg.role, Role::tool);
    EXPECT_EQ(tool_msg.tool_call_id, "call_lookup_ticket");
    EXPECT_EQ(tool_msg.content, "ticket 4821: open");
}

TEST(Tools, DescribedResultsGoBackAsJson) {
    auto model = std::make_shared<ScriptedModel>(std::vector{
        ScriptedModel::tool_call("weather", R"({"ticket_id":"x"})"), ScriptedModel::text("done")});
    Agent agent({.name = "a", .model = model});
    agent.tool("weather", "Weather.",
               [](const LookupTicket&) { return Weather{"Oslo", -3.5}; });
    agent.run_sync("go");
    EXPECT_EQ(model->requests()[1].messages.back().content, R"({"city":"Oslo","celsius":-3.5E0})");
}

TEST(Tools, AwaitableHandlersAreAwaited) {
    auto model = std::make_shared<ScriptedModel>(
        std::vector{ScriptedModel::tool_call("slow", "{}"), ScriptedModel::text("done")});
    Agent agent({.name = "a", .model = model});
    agent.tool("slow", "Waits.", [](RunContext&) -> boost::asio::awaitable<std::string> {
        boost::asio::steady_timer t(co_await boost::asio::this_coro::executor,
                                    std::chrono::milliseconds(5));
        co_await t.async_wait(boost::asio::use_awaitable);
        co_return "waited";
    });
    agent.run_sync("go");
    EXPECT_EQ(model->requests()[1].messages.back().content, "waited");
}

TEST(Tools, InvalidArgumentsGoBackToTheModelAsACorrection) {
    auto model = std::make_shared<ScriptedModel>(std::vector{
        ScriptedModel::tool_call("lookup_ticket", R"({"ticket_id": 4821})"),
        ScriptedModel::tool_call("lookup_ticket", R"({"ticket_id": "4821"})"),
        ScriptedModel::text("done")});
    Agent agent({.name = "a", .model = model});
    int runs = 0;
    agent.tool("lookup_ticket", "d", [&](const LookupTicket&) {
        ++runs;
        return std::string("ok");
    });
    auto result = agent.run_sync("go");
    EXPECT_EQ(result.output, "done");
    EXPECT_EQ(runs, 1);
    EXPECT_EQ(model->requests()[1].messages.back().content,
              "Invalid arguments for tool 'lookup_ticket': ticket_id: expected a string. Call it "
              "again with arguments that follow its schema.");
}

TEST(Tools, MalformedJsonAndUnknownToolsAreCorrections) {
    auto model = std::make_shared<ScriptedModel>(std::vector{
        ScriptedModel::tool_calls({ToolCall{"a", "lookup_ticket", R"({"ticket_id": )"},
                                   ToolCall{"b", "no_such_tool", "{}"}}),
        ScriptedModel::text("done")});
    Agent agent({.name = "a", .model = model});
    agent.tool("lookup_ticket", "d", [](const LookupTicket&) { return std::string("ok"); });
    agent.run_sync("go");
    const auto sent = model->requests()[1].messages;
    ASSERT_GE(sent.size(), 2u);
    EXPECT_NE(sent[sent.size() - 2].content.find("not valid JSON"), std::string::npos);
    EXPECT_EQ(sent.back().content, "Unknown tool 'no_such_tool'. Available tools: lookup_ticket.");
}

TEST(Tools, CorrectionsPastTheBoundEndInErrorRetries) {
    auto model = std::make_shared<ScriptedModel>(std::vector{
        ScriptedModel::tool_call("nope", "{}"), ScriptedModel::tool_call("nope", "{}"),
        ScriptedModel::text("done")});
    Agent agent({.name = "a", .model = model});
    EXPECT_THROW(agent.run_sync("go"), ErrorRetries);
}

TEST(Tools, EmptyArgumentsMeanAnEmptyObject) {
    auto model = std::make_shared<ScriptedModel>(
        std::vector{ScriptedModel::tool_call("now", ""), ScriptedModel::text("done")});
    Agent agent({.name = "a", .model = model});
    agent.tool("now", "Time.", [](RunContext&) { return std::string("noon"); });
    agent.run_sync("go");
    EXPECT_EQ(model->requests()[1].messages.back().content, "noon");
}

TEST(Tools, OtherExceptionsFailTheRunWithTheOriginalNested) {
    auto model = std::make_shared<ScriptedModel>(std::vector{
        ScriptedModel::tool_call("broken", "{}", Usage{1, 1, 0.5, 1}), ScriptedModel::text("x")});
    Agent agent({.name = "a", .model = model});
    agent.tool("broken", "d", [](RunContext&) -> std::string { throw std::out_of_range("boom"); });
    bool nested = false;
    try {
        agent.run_sync("go");
    } catch (const ErrorTool& e) {
        EXPECT_EQ(e.tool(), "broken");
        EXPECT_DOUBLE_EQ(e.usage().total_cost_usd, 0.5);
        try {
            std::rethrow_if_nested(e);
        } catch (const std::out_of_range&) {
            nested = true;
        }
    }
    EXPECT_TRUE(nested);
}

TEST(Tools, ParallelCallsRunConcurrently) {
    // Each tool waits until the other has started: only concurrent execution finishes.
    auto model = std::make_shared<ScriptedModel>(std::vector{
        ScriptedModel::tool_calls({ToolCall{"1", "meet", "{}"}, ToolCall{"2", "meet", "{}"}}),
        ScriptedModel::text("done")});
    Agent agent({.name = "a", .model = model});
    auto started = std::make_shared<std::atomic<int>>(0);
    agent.tool("meet", "d", [started](RunContext&) -> boost::asio::awaitable<std::string> {
        ++*started;
        boost::asio::steady_timer t(co_await boost::asio::this_coro::executor);
        for (int i = 0; i < 200 && *started < 2; ++i) {
            t.expires_after(std::chrono::milliseconds(1));
            co_await t.async_wait(boost::asio::use_awaitable);
        }
        co_return *started == 2 ? "met" : "alone";
    });
    agent.run_sync("go");
    const auto sent = model->requests()[1].messages;
    EXPECT_EQ(sent[sent.size() - 2].content, "met");
    EXPECT_EQ(sent.back().content, "met");
    EXPECT_EQ(sent[sent.size() - 2].tool_call_id, "1");  // results in call order
    EXPECT_EQ(sent.back().tool_call_id, "2");
}

TEST(Tools, BlockingToolDoesNotStallOtherRuns) {
    // One I/O thread. Run A's tool blocks for a while; run B must finish meanwhile.
    boost::asio::io_context io{1};
    auto model = std::make_shared<ScriptedModel>(
        std::vector{ScriptedModel::tool_call("block", "{}"), ScriptedModel::text("done")},
        agentroute::testkit::ScriptedModelOptions{.per_run = true});
    std::atomic<bool> tool_running{false}, b_finished_while_blocked{false}, release{false};
    Agent agent({.name = "a", .model = model});
    agent.tool(
        "block", "Blocks.",
        [&](RunContext&) {
            tool_running = true;
            for (int i = 0; i < 5000 && !release; ++i) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            return std::string("unblocked");
        },
        ToolOptions{.blocking = true});
    Agent quick({.name = "b", .model = std::make_shared<ScriptedModel>(
                                   std::vector{ScriptedModel::text("quick")})});

    auto a = boost::asio::co_spawn(io, agent.run("a"), boost::asio::use_future);
    auto b = boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            boost::asio::steady_timer t(io);
            while (!tool_running) {
                t.expires_after(std::chrono::milliseconds(1));
                co_await t.async_wait(boost::asio::use_awaitable);
            }
            auto r = co_await quick.run("b");
            b_finished_while_blocked = r.output == "quick" && !release;
            release = true;
        },
        boost::asio::use_future);
    io.run();
    b.get();
    EXPECT_EQ(a.get().output, "done");
    EXPECT_TRUE(b_finished_while_blocked);
}

TEST(Tools, BlockingToolResumesOnTheCallersExecutor) {
    boost::asio::io_context io{1};
    auto model = std::make_shared<ScriptedModel>(
        std::vector{ScriptedModel::tool_call("block", "{}"), ScriptedModel::text("done")});
    Agent agent({.name = "a", .model = model});
    std::thread::id tool_thread;
    agent.tool(
        "block", "d",
        [&](RunContext&) {
            tool_thread = std::this_thread::get_id();
            return std::string("x");
        },
        ToolOptions{.blocking = true});
    std::thread::id after_thread;
    auto f = boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            co_await agent.run("go");
            after_thread = std::this_thread::get_id();
        },
        boost::asio::use_future);
    io.run();
    f.get();
    EXPECT_NE(tool_thread, std::this_thread::get_id());
    EXPECT_EQ(after_thread, std::this_thread::get_id());
}
