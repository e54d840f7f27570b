#include <agentroute/agent.hpp>
#include <agentroute/testing/scripted_model.hpp>

#include <agentroute_test/run_co.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

using namespace agentroute;
using agentroute::test::expect_error;
using agentroute::testkit::ScriptedModel;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<ScriptedModel> slow_model() {
    return std::make_shared<ScriptedModel>(
        std::vector{ScriptedModel::tool_call("noop", "{}"), ScriptedModel::text("late")},
        agentroute::testkit::ScriptedModelOptions{.latency = 20ms, .per_run = true});
}

}  // namespace

TEST(Cancellation, ACancelledRunEndsPromptlyWithItsUsage) {
    auto model = std::make_shared<ScriptedModel>(
        std::vector{ScriptedModel::tool_call("noop", "{}", Usage{1, 1, 0.25, 1}),
                    ScriptedModel::text("late")},
        agentroute::testkit::ScriptedModelOptions{.latency = 500ms, .per_run = true});
    Agent agent({.name = "a", .model = model});
    boost::asio::io_context io;
    boost::asio::cancellation_signal signal;
    boost::asio::steady_timer timer(io);
    // The tool arms the cancellation: it fires 50 ms into the second (500 ms) model call.
    agent.tool("noop", "d", [&](RunContext&) {
        timer.expires_after(50ms);
        timer.async_wait([&](auto) { signal.emit(boost::asio::cancellation_type::terminal); });
        return std::string("ok");
    });

    std::exception_ptr error;
    boost::asio::co_spawn(io, agent.run("go"),
                          boost::asio::bind_cancellation_slot(
                              signal.slot(), [&](std::exception_ptr e, Result<std::string>) { error = e; }));
    const auto start = std::chrono::steady_clock::now();
    io.run();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 900ms);  // uncancelled: 1000 ms
    ASSERT_TRUE(error);
    auto e = expect_error<ErrorCancelled>([&] { std::rethrow_exception(error); });
    EXPECT_DOUBLE_EQ(e.usage().total_cost_usd, 0.25);
    EXPECT_EQ(e.usage().model_calls, 1);
}

TEST(Cancellation, DeadlineEndsTheRunWithErrorDeadline) {
    Agent agent({.name = "a", .model = slow_model()});
    agent.tool("noop", "d", [](RunContext&) { return std::string("ok"); });
    std::vector<RunEvent::Kind> terminal;
    auto e = expect_error<ErrorDeadline>([&] {
        agent.run_sync("go", {.deadline = 30ms, .on_event = [&](const RunEvent& ev) {
                                  if (ev.kind == RunEvent::Kind::cancelled) terminal.push_back(ev.kind);
                              }});
    });
    EXPECT_EQ(e.usage().model_calls, 1);
    EXPECT_EQ(terminal.size(), 1u);
}

TEST(Cancellation, DeadlineLongEnoughLetsTheRunFinish) {
    Agent agent({.name = "a", .model = slow_model()});
    agent.tool("noop", "d", [](RunContext&) { return std::string("ok"); });
    EXPECT_EQ(agent.run_sync("go", {.deadline = 5s}).output, "late");
}

TEST(Cancellation, ModelErrorsCarryTheRunsUsage) {
    auto model = std::make_shared<ScriptedModel>(std::vector{
        ScriptedModel::tool_call("noop", "{}", Usage{1, 1, 0.125, 1}),
        ScriptedModel::error(ErrorRateLimit("rate limited", ErrorHttp::Details{.status = 429}))});
    Agent agent({.name = "a", .model = model});
    agent.tool("noop", "d", [](RunContext&) { return std::string("ok"); });
    auto e = expect_error<ErrorRateLimit>([&] { agent.run_sync("go"); });
    EXPECT_EQ(e.status(), 429);
    EXPECT_DOUBLE_EQ(e.usage().total_cost_usd, 0.125);
}
