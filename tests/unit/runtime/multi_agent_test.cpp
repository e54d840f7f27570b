// Agents as tools and handoffs against in-process models: one budget, deadline and
// cancellation across the tree, usage rolled up, events tagged with agent paths.

#include <agentroute/agent.hpp>
#include <agentroute/memory/memory.hpp>
#include <agentroute/testing/function_model.hpp>
#include <agentroute/testing/scripted_model.hpp>

#include <agentroute_test/run_co.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/describe/class.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

using namespace agentroute;
using agentroute::test::expect_error;
using agentroute::testkit::FunctionModel;
using agentroute::testkit::ScriptedModel;
using agentroute::testkit::ScriptedModelOptions;
using namespace std::chrono_literals;

namespace {

struct Facts {
    std::string topic;
    int sources = 0;
};
BOOST_DESCRIBE_STRUCT(Facts, (), (topic, sources))

struct Question {
    std::string topic;
    int depth = 0;
};
BOOST_DESCRIBE_STRUCT(Question, (), (topic, depth))

// Costs that are sums of powers of two add up exactly in any order.
Usage cost(double usd) { return Usage{10, 5, usd, 1}; }

std::shared_ptr<ScriptedModel> per_run(std::vector<agentroute::testkit::ScriptStep> steps,
                                       std::chrono::milliseconds latency = 0ms) {
    return std::make_shared<ScriptedModel>(std::move(steps),
                                           ScriptedModelOptions{.latency = latency, .per_run = true});
}

Usage sum(const std::vector<AgentUsage>& agents) {
    Usage total;
    for (const AgentUsage& a : agents) total += a.usage;
    return total;
}

const Message* tool_result_of(const std::vector<Message>& messages, const std::string& tool) {
    for (const Message& m : messages) {
        if (m.role == Role::tool && m.tool_name == tool) return &m;
    }
    return nullptr;
}

}  // namespace

TEST(AgentAsTool, TheChildsAnswerIsTheToolResultAndItsCallsCountInTheParent) {
    auto child_model = per_run({ScriptedModel::text("three sources agree", cost(0.125))});
    Agent web({.name = "web", .model = child_model, .instructions = "Search."});
    auto parent_model = per_run({ScriptedModel::tool_call("research", R"({"input":"tides"})", cost(0.25)),
                                 ScriptedModel::text("Tides come from the moon.", cost(0.5))});
    Agent researcher({.name = "researcher", .model = parent_model});
    researcher.tool(web.as_tool("research", "Look a topic up in depth"));

    Result<std::string> result = researcher.run_sync("Why tides?");
    EXPECT_EQ(result.output, "Tides come from the moon.");
    const Message* tool_result = tool_result_of(result.messages, "research");
    ASSERT_NE(tool_result, nullptr);
    EXPECT_EQ(tool_result->content, "three sources agree");
    // The child saw the model's input as its prompt, under its own instructions.
    const auto child_requests = child_model->requests();
    ASSERT_EQ(child_requests.size(), 1u);
    EXPECT_EQ(child_requests[0].messages.front().content, "Search.");
    EXPECT_EQ(child_requests[0].messages.back().content, "tides");

    EXPECT_EQ(result.usage.model_calls, 3);
    EXPECT_EQ(result.usage.total_cost_usd, 0.875);
    ASSERT_EQ(result.calls.size(), 3u);
    EXPECT_EQ(result.calls[0].agent, "researcher");
    EXPECT_EQ(result.calls[1].agent, "researcher > web");
    EXPECT_EQ(result.calls[2].agent, "researcher");
    const std::vector<AgentUsage> agents = result.usage_by_agent();
    ASSERT_EQ(agents.size(), 2u);
    EXPECT_EQ(agents[0].agent, "researcher");
    EXPECT_EQ(agents[0].usage.total_cost_usd, 0.75);
    EXPECT_EQ(agents[1].agent, "researcher > web");
    EXPECT_EQ(agents[1].usage.total_cost_usd, 0.125);
    EXPECT_EQ(sum(agents), result.usage);
}

TEST(AgentAsTool, TypedArgumentsAreThePromptAndATypedOutputComesBackAsJson) {
    auto child_model = per_run({ScriptedModel::text(R"({"topic":"tides","sources":3})")});
    Agent<Facts> facts({.name = "facts", .model = child_model});
    auto parent_model = per_run({ScriptedModel::tool_call("facts", R"({"topic":"tides","depth":2})"),
                                 ScriptedModel::text("ok")});
    Agent parent({.name = "parent", .model = parent_model});
    parent.tool(facts.as_tool<Question>("facts", "Gather facts"));

    Result<std::string> result = parent.run_sync("go");
    const Message* tool_result = tool_result_of(result.messages, "facts");
    ASSERT_NE(tool_result, nullptr);
    EXPECT_EQ(tool_result->content, R"({"topic":"tides","sources":3})");
    EXPECT_EQ(child_model->requests().at(0).messages.back().content, R"({"topic":"tides","depth":2})");
    // The schema the parent's model sees is the argument type's.
    EXPECT_NE(parent.options().name, "");
}

TEST(AgentAsTool, ArgumentsThatDoNotFitGoBackToTheCallingModel) {
    auto child_model = per_run({ScriptedModel::text("never")});
    Agent child({.name = "child", .model = child_model});
    auto parent_model = per_run({ScriptedModel::tool_call("ask", R"({"question":"x"})"), ScriptedModel::text("sorry")});
    Agent parent({.name = "parent", .model = parent_model});
    parent.tool(child.as_tool("ask", "Ask the child"));
    Result<std::string> result = parent.run_sync("go");
    EXPECT_EQ(child_model->calls(), 0u);
    const Message* correction = tool_result_of(result.messages, "ask");
    ASSERT_NE(correction, nullptr);
    EXPECT_NE(correction->content.find("Invalid arguments"), std::string::npos) << correction->content;
}

namespace {

// A model that answers after `latency` on a timer and counts the calls in flight.
struct Gauge {
    std::atomic<int> in_flight{0};
    std::atomic<int> most{0};
    std::atomic<int> aborted{0};
};

std::shared_ptr<FunctionModel> gauged(Gauge& gauge, std::chrono::milliseconds latency, std::string answer,
                                      Usage usage = cost(0.125)) {
    return std::make_shared<FunctionModel>(FunctionModel::AsyncFunction(
        [&gauge, latency, answer, usage](const ModelRequest&) -> boost::asio::awaitable<ModelResponse> {
            const int now = ++gauge.in_flight;
            int seen = gauge.most.load();
            while (seen < now && !gauge.most.compare_exchange_weak(seen, now)) {
            }
            boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, latency);
            boost::system::error_code ec;
            co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            --gauge.in_flight;
            if (ec) {
                ++gauge.aborted;
                throw boost::system::system_error(ec);
            }
            ModelResponse response;
            response.message = Message::assistant(answer);
            response.usage = usage;
            co_return response;
        }));
}

std::vector<ToolCall> three_research_calls() {
    return {{"c1", "research", R"({"input":"a"})"},
            {"c2", "research", R"({"input":"b"})"},
            {"c3", "research", R"({"input":"c"})"}};
}

}  // namespace

TEST(AgentAsTool, ThreeChildCallsOfOneAnswerRunConcurrently) {
    Gauge gauge;
    Agent child({.name = "web", .model = gauged(gauge, 100ms, "found")});
    auto parent_model = per_run({ScriptedModel::tool_calls(three_research_calls(), cost(0.25)),
                                 ScriptedModel::text("summary", cost(0.25))});
    Agent parent({.name = "researcher", .model = parent_model});
    parent.tool(child.as_tool("research", "Look it up"));

    const auto start = std::chrono::steady_clock::now();
    Result<std::string> result = parent.run_sync("go");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 280ms);  // one after another: 300 ms
    EXPECT_EQ(gauge.most.load(), 3);
    EXPECT_EQ(result.usage.model_calls, 5);
    EXPECT_EQ(result.usage.total_cost_usd, 0.875);
    EXPECT_EQ(sum(result.usage_by_agent()), result.usage);
}

TEST(AgentAsTool, OnAThreadPoolTheTreeStaysConsistent) {
    // Children of one answer share the parent's state: on a multi-threaded executor they take
    // turns on a strand (TSan checks the rest).
    Gauge gauge;
    Agent child({.name = "web", .model = gauged(gauge, 20ms, "found")});
    auto parent_model = per_run({ScriptedModel::tool_calls(three_research_calls(), cost(0.25)),
                                 ScriptedModel::text("summary", cost(0.25))});
    Agent parent({.name = "researcher", .model = parent_model});
    parent.tool(child.as_tool("research", "Look it up"));

    boost::asio::thread_pool pool(4);
    std::mutex events_mutex;
    std::map<std::string, int> events_by_agent;
    std::vector<std::future<Result<std::string>>> runs;
    for (int i = 0; i < 40; ++i) {
        RunOptions options;
        options.on_event = [&](const RunEvent& e) {
            std::lock_guard lock(events_mutex);  // the test's own map; the run calls one at a time
            ++events_by_agent[std::string(e.agent)];
        };
        runs.push_back(parent.async_run(pool.get_executor(), "go", std::move(options), boost::asio::use_future));
    }
    for (auto& run : runs) {
        Result<std::string> result = run.get();
        EXPECT_EQ(result.usage.model_calls, 5);
        EXPECT_EQ(result.usage.total_cost_usd, 0.875);
        EXPECT_EQ(result.calls.size(), 5u);
    }
    pool.join();
    EXPECT_EQ(events_by_agent["researcher > web"], 40 * 3);  // one usage event per child call
}

TEST(AgentAsTool, AChildCrossingTheTreesBudgetEndsTheParentWithTheTreesTotal) {
    // The child calls a tool forever; each of its calls costs 1/8. The parent's 0.5 bounds the
    // tree: 1/8 (parent) + 3/8 (child) is at the ceiling, the child's fourth call crosses it.
    auto child_model = per_run({ScriptedModel::tool_call("dig", "{}", cost(0.125)), ScriptedModel::tool_call("dig", "{}", cost(0.125)),
                                ScriptedModel::tool_call("dig", "{}", cost(0.125)), ScriptedModel::tool_call("dig", "{}", cost(0.125)),
                                ScriptedModel::text("never", cost(0.125))});
    Agent child({.name = "digger", .model = child_model, .max_turns = 20});
    child.tool("dig", "Dig deeper", [](RunContext&) { return std::string("deeper"); });
    auto parent_model = per_run({ScriptedModel::tool_call("dig_deep", R"({"input":"x"})", cost(0.125)),
                                 ScriptedModel::text("never")});
    Agent parent({.name = "boss", .model = parent_model, .max_cost = 0.5});
    parent.tool(child.as_tool("dig_deep", "Dig"));

    auto e = expect_error<ErrorBudget>([&] { parent.run_sync("go"); });
    EXPECT_EQ(e.usage().total_cost_usd, 0.625);
    EXPECT_EQ(e.spent(), 0.625);
    EXPECT_EQ(e.limit(), 0.5);
    EXPECT_EQ(e.usage().model_calls, 5);
    ASSERT_EQ(e.calls().size(), 5u);
    EXPECT_EQ(e.calls().back().agent, "boss > digger");
    const std::vector<AgentUsage> agents = e.usage_by_agent();
    ASSERT_EQ(agents.size(), 2u);
    EXPECT_EQ(agents[1].usage.total_cost_usd, 0.5);
    EXPECT_EQ(sum(agents), e.usage());
}

TEST(AgentAsTool, AChildsOwnTighterCeilingHoldsToo) {
    auto child_model = per_run({ScriptedModel::tool_call("dig", "{}", cost(0.125)), ScriptedModel::tool_call("dig", "{}", cost(0.125)),
                                ScriptedModel::tool_call("dig", "{}", cost(0.125)), ScriptedModel::text("never")});
    Agent child({.name = "digger", .model = child_model, .max_cost = 0.25});
    child.tool("dig", "Dig deeper", [](RunContext&) { return std::string("deeper"); });
    auto parent_model = per_run({ScriptedModel::tool_call("dig_deep", R"({"input":"x"})", cost(0.125)),
                                 ScriptedModel::text("never")});
    Agent parent({.name = "boss", .model = parent_model, .max_cost = 10.0});
    parent.tool(child.as_tool("dig_deep", "Dig"));

    auto e = expect_error<ErrorBudget>([&] { parent.run_sync("go"); });
    EXPECT_EQ(e.limit(), 0.25);                     // the child's ceiling was crossed
    EXPECT_EQ(e.spent(), 0.375);                    // by the child's spending
    EXPECT_EQ(e.usage().total_cost_usd, 0.5);       // and the parent's error carries the tree's
    EXPECT_EQ(e.usage().model_calls, 4);
}

TEST(AgentAsTool, CancellingTheParentEndsEveryChildPromptlyWithUsageKept) {
    Gauge gauge;
    Agent child({.name = "slow", .model = gauged(gauge, 10s, "late")});
    auto parent_model = per_run({ScriptedModel::tool_calls({{"c1", "ask", R"({"input":"a"})"}, {"c2", "ask", R"({"input":"b"})"}},
                                                           cost(0.25)),
                                 ScriptedModel::text("never")});
    Agent parent({.name = "parent", .model = parent_model});
    parent.tool(child.as_tool("ask", "Ask"));

    boost::asio::io_context io;
    boost::asio::cancellation_signal signal;
    std::exception_ptr error;
    std::chrono::steady_clock::time_point cancelled_at, ended_at;
    boost::asio::co_spawn(io, parent.run("go"),
                          boost::asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e, Result<std::string>) {
                              error = e;
                              ended_at = std::chrono::steady_clock::now();
                          }));
    boost::asio::steady_timer arm(io, 100ms);
    arm.async_wait([&](auto) {
        ASSERT_EQ(gauge.in_flight.load(), 2);  // both children wait on their model
        cancelled_at = std::chrono::steady_clock::now();
        signal.emit(boost::asio::cancellation_type::terminal);
    });
    io.run_for(5s);
    ASSERT_TRUE(error);
    EXPECT_LT(ended_at - cancelled_at, 50ms);
    EXPECT_EQ(gauge.aborted.load(), 2);
    EXPECT_EQ(gauge.in_flight.load(), 0);
    auto e = expect_error<ErrorCancelled>([&] { std::rethrow_exception(error); });
    EXPECT_EQ(e.usage().total_cost_usd, 0.25);
    EXPECT_EQ(e.usage().model_calls, 1);
}

TEST(AgentAsTool, TheParentsDeadlineBoundsTheChildren) {
    Gauge gauge;
    Agent child({.name = "slow", .model = gauged(gauge, 10s, "late")});
    auto parent_model = per_run({ScriptedModel::tool_call("ask", R"({"input":"a"})", cost(0.25)), ScriptedModel::text("never")});
    Agent parent({.name = "parent", .model = parent_model});
    parent.tool(child.as_tool("ask", "Ask"));
    RunOptions options;
    options.deadline = 80ms;
    const auto start = std::chrono::steady_clock::now();
    auto e = expect_error<ErrorDeadline>([&] { parent.run_sync("go", std::move(options)); });
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    EXPECT_EQ(e.usage().total_cost_usd, 0.25);
    EXPECT_EQ(gauge.aborted.load(), 1);
}

TEST(AgentAsTool, AChildsErrorEndsTheParentsRunWithTheTreesUsage) {
    auto child_model = per_run({ScriptedModel::tool_call("explode", "{}", cost(0.125)), ScriptedModel::text("never")});
    Agent child({.name = "child", .model = child_model});
    child.tool("explode", "Fails", [](RunContext&) -> std::string { throw std::runtime_error("disk on fire"); });
    auto parent_model = per_run({ScriptedModel::tool_call("ask", R"({"input":"a"})", cost(0.25)), ScriptedModel::text("never")});
    Agent parent({.name = "parent", .model = parent_model});
    parent.tool(child.as_tool("ask", "Ask"));
    auto e = expect_error<ErrorTool>([&] { parent.run_sync("go"); });
    EXPECT_NE(std::string(e.what()).find("disk on fire"), std::string::npos);
    EXPECT_EQ(e.usage().total_cost_usd, 0.375);
    EXPECT_EQ(e.calls().size(), 2u);
}

TEST(AgentAsTool, ChildrenShareTheParentsMemoryAndDependenciesUnlessTheyHaveTheirOwn) {
    struct Tenant {
        std::string name;
    };
    auto shared = std::make_shared<Memory>();
    auto own = std::make_shared<Memory>();
    std::vector<std::pair<Memory*, std::string>> seen;
    auto make_child = [&](std::string name, std::shared_ptr<Memory> memory) {
        Agent child({.name = std::move(name), .model = per_run({ScriptedModel::tool_call("look", "{}"), ScriptedModel::text("ok")}),
                     .memory = std::move(memory)});
        child.tool("look", "Look", [&](RunContext& ctx) {
            seen.emplace_back(&ctx.memory(), ctx.deps<Tenant>().name);
            return std::string("seen");
        });
        return child;
    };
    Agent a = make_child("a", nullptr);
    Agent b = make_child("b", own);
    auto parent_model = per_run({ScriptedModel::tool_calls({{"1", "a", R"({"input":"x"})"}, {"2", "b", R"({"input":"y"})"}}),
                                 ScriptedModel::text("done")});
    Agent parent({.name = "parent", .model = parent_model, .memory = shared});
    parent.tool(a.as_tool("a", "A")).tool(b.as_tool("b", "B"));
    Tenant tenant{"acme"};
    RunOptions options;
    options.deps = Deps(tenant);
    parent.run_sync("go", std::move(options));
    ASSERT_EQ(seen.size(), 2u);
    std::sort(seen.begin(), seen.end(), [&](auto& x, auto& y) { return (x.first == shared.get()) > (y.first == shared.get()); });
    EXPECT_EQ(seen[0].first, shared.get());
    EXPECT_EQ(seen[1].first, own.get());
    EXPECT_EQ(seen[0].second, "acme");
    EXPECT_EQ(seen[1].second, "acme");
}

TEST(AgentAsTool, EventsAreTaggedWithTheirAgentsPathAndOnlyTheRunsOwnEndIsTerminal) {
    auto child_model = per_run({ScriptedModel::text("found")});
    Agent web({.name = "web", .model = child_model});
    auto parent_model = per_run({ScriptedModel::tool_call("research", R"({"input":"x"})"), ScriptedModel::text("done")});
    Agent researcher({.name = "researcher", .model = parent_model});
    researcher.tool(web.as_tool("research", "Look it up"));
    std::vector<std::pair<std::string, RunEvent::Kind>> events;
    RunOptions options;
    using K = RunEvent::Kind;
    std::vector<std::pair<std::string, RunEvent::Kind>> fragments;
    options.on_event = [&](const RunEvent& e) {
        const bool fragment = e.kind == K::text_delta || e.kind == K::tool_call_started || e.kind == K::tool_call_delta;
        (fragment ? fragments : events).emplace_back(std::string(e.agent), e.kind);
    };
    researcher.run_sync("go", std::move(options));
    EXPECT_NE(std::find(fragments.begin(), fragments.end(), std::pair<std::string, K>{"researcher > web", K::text_delta}),
              fragments.end());

    const std::vector<std::pair<std::string, RunEvent::Kind>> expected{
        {"researcher", K::usage},       {"researcher", K::tool_call}, {"researcher > web", K::usage},
        {"researcher", K::tool_result}, {"researcher", K::usage},     {"researcher", K::completed}};
    EXPECT_EQ(events, expected);
}

TEST(AgentAsTool, AStreamCarriesTheChildsEventsWithTheirPath) {
    auto child_model = per_run({ScriptedModel::text("found")});
    Agent web({.name = "web", .model = child_model});
    auto parent_model = per_run({ScriptedModel::tool_calls(three_research_calls()), ScriptedModel::text("done")});
    Agent researcher({.name = "researcher", .model = parent_model});
    researcher.tool(web.as_tool("research", "Look it up"));
    StreamOptions stream_options;
    stream_options.buffer = 1;  // the children wait on the consumer too, side by side
    auto stream = researcher.stream("go", {}, std::move(stream_options));
    std::vector<std::string> paths;  // of usage events and the terminal one
    int terminals = 0;
    std::string output;
    agentroute::test::run_co([&]() -> boost::asio::awaitable<void> {
        while (auto event = co_await stream.next()) {
            if (event->kind == RunEvent::Kind::usage || event->terminal()) paths.emplace_back(event->agent());
            if (event->terminal()) {
                ++terminals;
                output = event->result()->output;
            }
        }
    }());
    EXPECT_EQ(terminals, 1);
    EXPECT_EQ(output, "done");
    EXPECT_EQ(std::count(paths.begin(), paths.end(), "researcher > web"), 3);
    EXPECT_EQ(paths.back(), "researcher");
}

// --- handoffs ----------------------------------------------------------------------------

TEST(Handoff, TriageHandsBillingTheConversationAndBillingAnswers) {
    auto triage_model = per_run({ScriptedModel::tool_call("transfer_to_billing", "{}", cost(0.125))});
    auto billing_model = per_run({ScriptedModel::text("Refund issued.", cost(0.25))});
    Agent billing({.name = "billing", .model = billing_model, .instructions = "You handle refunds."});
    Agent triage({.name = "triage", .model = triage_model, .instructions = "Route the customer."});
    HandoffOptions to_billing;
    to_billing.description = "Refunds and invoices";
    triage.handoff(billing, to_billing);

    std::vector<std::pair<std::string, RunEvent::Kind>> events;
    RunOptions options;
    options.on_event = [&](const RunEvent& e) {
        if (e.kind == RunEvent::Kind::handoff) events.emplace_back(std::string(e.agent) + " -> " + std::string(e.text), e.kind);
    };
    Result<std::string> result = triage.run_sync("I was charged twice", std::move(options));
    EXPECT_EQ(result.output, "Refund issued.");
    EXPECT_EQ(result.agent, "billing");
    ASSERT_EQ(result.handoffs.size(), 1u);
    EXPECT_EQ(result.handoffs[0], (Handoff{"triage", "billing", 1}));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].first, "triage -> billing");

    // Triage's model saw the transfer tool; billing's saw its own instructions and the whole
    // conversation, the transfer call answered.
    EXPECT_EQ(triage_model->requests().at(0).tool_names, std::vector<std::string>{"transfer_to_billing"});
    const auto billing_request = billing_model->requests().at(0);
    EXPECT_EQ(billing_request.messages.front().content, "You handle refunds.");
    EXPECT_EQ(billing_request.messages[1].content, "I was charged twice");
    EXPECT_TRUE(billing_request.messages[2].has_tool_calls());
    EXPECT_EQ(billing_request.messages[3].content, R"({"assistant":"billing"})");
    EXPECT_EQ(result.calls[0].agent, "triage");
    EXPECT_EQ(result.calls[1].agent, "billing");
    EXPECT_EQ(result.usage.total_cost_usd, 0.375);
}

TEST(Handoff, AnInputFilterShapesTheTargetsViewButTheRunKeepsEveryMessage) {
    auto triage_model = per_run({ScriptedModel::tool_call("lookup", R"({})"), ScriptedModel::tool_call("transfer_to_billing", "{}")});
    auto billing_model = per_run({ScriptedModel::text("Refund issued.")});
    Agent billing({.name = "billing", .model = billing_model, .instructions = "Refunds."});
    Agent triage({.name = "triage", .model = triage_model, .instructions = "Route."});
    triage.tool("lookup", "Look the customer up", [](RunContext&) { return std::string("customer 7"); });
    HandoffOptions filtered;
    filtered.input_filter = remove_tool_turns;
    triage.handoff(billing, filtered);

    Result<std::string> result = triage.run_sync("charged twice");
    const auto seen = billing_model->requests().at(0).messages;
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].content, "Refunds.");
    EXPECT_EQ(seen[1].content, "charged twice");
    EXPECT_EQ(result.messages.size(), 7u);  // system, user, 2 x (call, result), answer
}

TEST(Handoff, RemoveToolTurnsNeverKeepsACallWithoutItsResult) {
    std::vector<Message> m{Message::user("hi"), Message::assistant("let me check", {{"1", "t", "{}"}}),
                           Message::tool_result("1", "t", "r"), Message::assistant("", {{"2", "t", "{}"}}),
                           Message::tool_result("2", "t", "r"), Message::assistant("done")};
    const std::vector<Message> kept = remove_tool_turns(m);
    ASSERT_EQ(kept.size(), 3u);
    EXPECT_EQ(kept[1].content, "let me check");
    EXPECT_TRUE(kept[1].tool_calls.empty());
    EXPECT_EQ(kept[2].content, "done");
}

TEST(Handoff, ALoopOfHandoffsIsBoundedByTheRunsMaxTurnsAcrossAgents) {
    auto ping_model = per_run({ScriptedModel::tool_call("transfer_to_pong", "{}", cost(0.125)),
                               ScriptedModel::tool_call("transfer_to_pong", "{}", cost(0.125)),
                               ScriptedModel::tool_call("transfer_to_pong", "{}", cost(0.125))});
    auto pong_model = per_run({ScriptedModel::tool_call("transfer_to_ping", "{}", cost(0.125)),
                               ScriptedModel::tool_call("transfer_to_ping", "{}", cost(0.125)),
                               ScriptedModel::tool_call("transfer_to_ping", "{}", cost(0.125))});
    Agent ping({.name = "ping", .model = ping_model, .max_turns = 4});
    Agent pong({.name = "pong", .model = pong_model, .max_turns = 100});
    ping.handoff(pong);
    pong.handoff(ping);  // closes the cycle: held weakly, ping is held here
    auto e = expect_error<ErrorMaxTurns>([&] { ping.run_sync("go"); });
    EXPECT_EQ(e.usage().model_calls, 4);
    EXPECT_EQ(e.usage().total_cost_usd, 0.5);
    ASSERT_EQ(e.calls().size(), 4u);
    EXPECT_EQ(e.calls()[0].agent, "ping");
    EXPECT_EQ(e.calls()[1].agent, "pong");
    EXPECT_EQ(e.calls()[2].agent, "ping");
}

TEST(Handoff, ACycleDoesNotLeakAndAHandoffToAGoneAgentIsAClearError) {
    std::weak_ptr<ScriptedModel> watch;
    {
        auto model = per_run({ScriptedModel::text("x")});
        watch = model;
        Agent a({.name = "a", .model = model});
        Agent b({.name = "b", .model = model});
        a.handoff(b);
        b.handoff(a);
    }
    EXPECT_TRUE(watch.expired());  // the agents of the cycle were freed (LSan checks too)

    auto b_model = per_run({ScriptedModel::tool_call("transfer_to_a", "{}")});
    std::optional<Agent<>> b;
    {
        Agent a({.name = "a", .model = per_run({ScriptedModel::text("x")})});
        b.emplace(AgentOptions{.name = "b", .model = b_model});
        a.handoff(*b);
        b->handoff(a);
    }
    auto e = expect_error<ErrorConfig>([&] { b->run_sync("go"); });
    EXPECT_NE(std::string(e.what()).find("no longer exists"), std::string::npos) << e.what();
}

TEST(Handoff, OnlyTheFirstHandoffOfAnAnswerIsTaken) {
    auto triage_model = per_run({ScriptedModel::tool_calls({{"1", "transfer_to_billing", "{}"}, {"2", "transfer_to_sales", "{}"}})});
    Agent billing({.name = "billing", .model = per_run({ScriptedModel::text("billing here")})});
    Agent sales({.name = "sales", .model = per_run({ScriptedModel::text("sales here")})});
    Agent triage({.name = "triage", .model = triage_model});
    triage.handoff(billing).handoff(sales);
    Result<std::string> result = triage.run_sync("go");
    EXPECT_EQ(result.output, "billing here");
    const Message* ignored = tool_result_of(result.messages, "transfer_to_sales");
    ASSERT_NE(ignored, nullptr);
    EXPECT_NE(ignored->content.find("Only one handoff"), std::string::npos);
}

TEST(Handoff, AStoredConversationContinuesWithTheAgentHoldingIt) {
    auto memory = std::make_shared<Memory>();
    auto triage_model = per_run({ScriptedModel::tool_call("transfer_to_billing", "{}"), ScriptedModel::text("triage again")});
    auto billing_model = per_run({ScriptedModel::text("Refund issued.")});
    Agent billing({.name = "billing", .model = billing_model, .instructions = "Refunds."});
    Agent triage({.name = "triage", .model = triage_model, .instructions = "Route.", .memory = memory});
    triage.handoff(billing);

    RunOptions first;
    first.conversation_id = "c-1";
    EXPECT_EQ(triage.run_sync("charged twice", std::move(first)).agent, "billing");
    RunOptions second;
    second.conversation_id = "c-1";
    Result<std::string> again = triage.run_sync("and the invoice?", std::move(second));
    EXPECT_EQ(again.agent, "billing");
    EXPECT_EQ(again.handoffs.size(), 0u);
    EXPECT_EQ(triage_model->calls(), 1u);
    ASSERT_EQ(billing_model->calls(), 2u);
    const auto continued = billing_model->requests().at(1).messages;
    EXPECT_EQ(continued.front().content, "Refunds.");
    EXPECT_EQ(continued.back().content, "and the invoice?");
}

TEST(Handoff, TheTransferToolsJoinTheToolsAndMayNotCollideWithThem) {
    Agent billing({.name = "billing", .model = per_run({ScriptedModel::text("x")})});
    Agent triage({.name = "triage", .model = per_run({ScriptedModel::text("x")})});
    triage.tool("transfer_to_billing", "mine", [](RunContext&) { return std::string(); });
    EXPECT_THROW(triage.handoff(billing), std::logic_error);
}

TEST(Handoff, HistoryWithoutToolNamesStillContinuesWithTheHolder) {
    // An OpenAI-format client sends tool results without names: the transfer is found through
    // the call each result answers.
    auto triage_model = per_run({ScriptedModel::tool_call("transfer_to_billing", "{}")});
    auto billing_model = per_run({ScriptedModel::text("Refund issued.")});
    Agent billing({.name = "billing", .model = billing_model});
    Agent triage({.name = "triage", .model = triage_model});
    triage.handoff(billing);
    Result<std::string> first = triage.run_sync("charged twice");
    for (Message& m : first.messages) m.tool_name.clear();
    RunOptions options;
    options.message_history = first.messages;
    EXPECT_EQ(triage.run_sync("and the invoice?", std::move(options)).agent, "billing");
    EXPECT_EQ(triage_model->calls(), 1u);
}
