// GenAI spans of real runs over HTTPS against the loopback fake: an agent tree's structure, the
// trace context handed in and passed on to OpenRouter, errors, and content only when asked for.

#include <agentroute/agent.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>
#include <agentroute/telemetry/span_recorder.hpp>
#include <agentroute/telemetry/telemetry.hpp>

#include "agent_tree.hpp"

#include <agentroute_test/fake_model.hpp>
#include <agentroute_test/run_co.hpp>
#include <boost/describe.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>

using namespace agentroute;
using agentroute::test::AgentTree;
using agentroute::test::Lookup;
using agentroute::test::spans_per_tree;
using agentroute::testkit::FakeFault;
using agentroute::testkit::FakeOpenRouter;
using agentroute::testkit::FakeOpenRouterOptions;
namespace otel = agentroute::telemetry;

namespace {

std::string hex(const std::array<std::uint8_t, 8>& id) {
    TraceContext c;
    c.span_id = id;
    return c.span_id_hex();
}


struct Recorded {
    std::shared_ptr<otel::SpanRecorder> recorder = std::make_shared<otel::SpanRecorder>();
    std::shared_ptr<otel::Telemetry> tracing;
    explicit Recorded(otel::TelemetryOptions options = {}) {
        options.sinks.push_back(recorder);
        tracing = std::make_shared<otel::Telemetry>(std::move(options));
    }
};

}  // namespace

TEST(TraceContextFormat, ReadsAndWritesTheW3CHeader) {
    const std::string header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const std::optional<TraceContext> c = TraceContext::parse(header);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(c->span_id_hex(), "00f067aa0ba902b7");
    EXPECT_TRUE(c->sampled());
    EXPECT_EQ(c->traceparent(), header);
    // A later version may add fields after the flags; version 00 may not.
    EXPECT_TRUE(TraceContext::parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-extra"));
    EXPECT_FALSE(TraceContext::parse(header + "-extra"));
    for (const char* bad : {"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "", "garbage"}) {
        EXPECT_FALSE(TraceContext::parse(bad)) << bad;
    }
    const TraceContext root = TraceContext::new_root();
    EXPECT_TRUE(root.valid());
    const TraceContext child = root.child();
    EXPECT_EQ(child.trace_id, root.trace_id);
    EXPECT_NE(child.span_id, root.span_id);
}

TEST(TelemetrySpans, AFanOutTreeNestsEachChildRunUnderTheToolCallThatRanIt) {
    FakeOpenRouter fake(FakeOpenRouterOptions{.tool_calls_per_answer = 3});
    Recorded recorded;
    AgentTree tree(fake, recorded.tracing);
    const TraceContext caller = *TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    RunOptions options;
    options.trace_parent = caller;
    const Result<std::string> result = tree.parent->run_sync("What drives the tides?", options);
    ASSERT_EQ(result.usage.model_calls, 8);

    const std::vector<otel::Span> spans = recorded.recorder->spans();
    EXPECT_EQ(spans.size(), spans_per_tree);
    std::map<std::string, const otel::Span*> by_id;
    for (const otel::Span& s : spans) {
        EXPECT_EQ(s.context.trace_id, caller.trace_id) << s.name;  // one trace, the caller's
        by_id[s.context.span_id_hex()] = &s;
    }
    ASSERT_EQ(by_id.size(), spans.size()) << "span ids are unique";
    auto parent_of = [&](const otel::Span& s) -> const otel::Span* {
        if (!s.parent_span_id) return nullptr;
        auto it = by_id.find(hex(*s.parent_span_id));
        return it == by_id.end() ? nullptr : it->second;
    };

    const auto roots = recorded.recorder->spans_named("invoke_agent researcher");
    ASSERT_EQ(roots.size(), 1u);
    const otel::Span& root = roots[0];
    ASSERT_TRUE(root.parent_span_id);
    EXPECT_EQ(hex(*root.parent_span_id), caller.span_id_hex());  // under the caller's span
    EXPECT_EQ(root.kind, otel::SpanKind::internal);
    EXPECT_EQ(root.int_attribute("agentroute.usage.model_calls"), 8);
    EXPECT_EQ(root.int_attribute("agentroute.usage.input_tokens"), result.usage.input_tokens);

    const auto research = recorded.recorder->spans_named("execute_tool research");
    const auto children = recorded.recorder->spans_named("invoke_agent web");
    const auto lookups = recorded.recorder->spans_named("execute_tool lookup");
    ASSERT_EQ(research.size(), 3u);
    ASSERT_EQ(children.size(), 3u);
    ASSERT_EQ(lookups.size(), 9u);
    std::set<std::string> research_ids;
    for (const otel::Span& r : research) {
        EXPECT_EQ(parent_of(r), by_id[root.context.span_id_hex()]);
        EXPECT_EQ(r.string_attribute("gen_ai.tool.name"), "research");
        EXPECT_TRUE(r.string_attribute("gen_ai.tool.call.id"));
        research_ids.insert(r.context.span_id_hex());
    }
    std::set<std::string> parents_of_children;
    for (const otel::Span& c : children) {
        const otel::Span* p = parent_of(c);
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(p->name, "execute_tool research");
        parents_of_children.insert(p->context.span_id_hex());
        EXPECT_EQ(c.string_attribute("agentroute.agent.path"), "researcher > web");
    }
    EXPECT_EQ(parents_of_children, research_ids) << "each child under its own tool call";
    for (const otel::Span& l : lookups) EXPECT_EQ(parent_of(l)->name, "invoke_agent web");

    // Tokens and cost on chat spans only, each call once: they add up to the run's usage.
    const auto chats = recorded.recorder->spans_named("chat anthropic/claude-sonnet-4.5");
    ASSERT_EQ(chats.size(), 8u);
    std::int64_t input = 0, output = 0;
    double cost = 0;
    for (const otel::Span& c : chats) {
        EXPECT_EQ(c.kind, otel::SpanKind::client);
        EXPECT_EQ(parent_of(c)->string_attribute("gen_ai.operation.name"), "invoke_agent");
        EXPECT_EQ(c.string_attribute("gen_ai.operation.name"), "chat");
        EXPECT_EQ(c.string_attribute("gen_ai.provider.name"), "openrouter");
        EXPECT_EQ(c.string_attribute("gen_ai.request.model"), "anthropic/claude-sonnet-4.5");
        EXPECT_TRUE(c.string_attribute("gen_ai.response.model"));
        EXPECT_TRUE(c.string_attribute("gen_ai.response.id"));
        EXPECT_TRUE(c.attribute("gen_ai.response.finish_reasons"));
        EXPECT_EQ(c.int_attribute("agentroute.http.attempts"), 1);
        EXPECT_FALSE(c.attribute("gen_ai.input.messages")) << "content is opt-in";
        input += c.int_attribute("gen_ai.usage.input_tokens").value_or(-1);
        output += c.int_attribute("gen_ai.usage.output_tokens").value_or(-1);
        cost += c.double_attribute("agentroute.cost.usd").value_or(-1);
        EXPECT_LE(c.start, c.end);
    }
    EXPECT_EQ(input, result.usage.input_tokens);
    EXPECT_EQ(output, result.usage.output_tokens);
    EXPECT_NEAR(cost, result.usage.total_cost_usd, 1e-12);
    for (const otel::Span& s : spans) {
        if (s.string_attribute("gen_ai.operation.name") != "chat") {
            EXPECT_FALSE(s.attribute("gen_ai.usage.input_tokens")) << s.name;
        }
    }

    // The last call went out with its span as `traceparent` and as OpenRouter's trace object.
    const std::map<std::string, std::string> headers = fake.last_request_headers();
    ASSERT_TRUE(headers.contains("traceparent"));
    const std::optional<TraceContext> sent = TraceContext::parse(headers.at("traceparent"));
    ASSERT_TRUE(sent);
    ASSERT_TRUE(by_id.contains(sent->span_id_hex()));
    EXPECT_EQ(by_id[sent->span_id_hex()]->string_attribute("gen_ai.operation.name"), "chat");
    const std::string body = fake.last_request_body();
    EXPECT_NE(body.find(R"("trace":{"trace_id":")" + caller.trace_id_hex() + R"(","parent_span_id":")" +
                        sent->span_id_hex() + R"(","span_name":"chat anthropic/claude-sonnet-4.5")"),
              std::string::npos)
        << body;
}

TEST(TelemetrySpans, ARunWithoutACallersTraceStartsOneAndAnUntracedAgentSendsNoTraceparent) {
    FakeOpenRouter fake;
    Recorded recorded;
    auto model = std::make_shared<OpenRouterModel>(agentroute::test::fake_options(fake));
    Agent<> plain(AgentOptions{.name = "plain", .model = model});
    plain.run_sync("hi");
    EXPECT_FALSE(fake.last_request_headers().contains("traceparent"));
    EXPECT_EQ(fake.last_request_body().find("\"trace\""), std::string::npos);

    Agent<> traced(AgentOptions{.name = "traced", .model = model, .tracer = recorded.tracing});
    traced.run_sync("hi");
    const auto roots = recorded.recorder->spans_named("invoke_agent traced");
    ASSERT_EQ(roots.size(), 1u);
    EXPECT_FALSE(roots[0].parent_span_id);
    EXPECT_TRUE(roots[0].context.valid());
    EXPECT_EQ(roots[0].status, otel::StatusCode::unset);
}

TEST(TelemetrySpans, AFailedRunAndItsCallCarryTheErrorType) {
    FakeOpenRouter fake;
    FakeFault fault;
    fault.status = 400;  // not retried: one attempt
    fake.push_fault(fault);
    Recorded recorded;
    auto model = std::make_shared<OpenRouterModel>(agentroute::test::fake_options(fake));
    Agent<> agent(AgentOptions{.name = "limited", .model = model, .tracer = recorded.tracing});
    EXPECT_THROW(agent.run_sync("hi"), ErrorBadRequest);
    const auto roots = recorded.recorder->spans_named("invoke_agent limited");
    ASSERT_EQ(roots.size(), 1u);
    EXPECT_EQ(roots[0].status, otel::StatusCode::error);
    EXPECT_EQ(roots[0].string_attribute("error.type"), "ErrorBadRequest");
    EXPECT_FALSE(roots[0].status_message.empty());
    const auto chats = recorded.recorder->spans_named("chat fake/model");
    ASSERT_EQ(chats.size(), 1u);
    EXPECT_EQ(chats[0].string_attribute("error.type"), "ErrorBadRequest");
    EXPECT_EQ(chats[0].status, otel::StatusCode::error);
    const std::string text = recorded.tracing->prometheus();
    EXPECT_NE(text.find(R"(agentroute_runs_total{gen_ai_agent_name="limited",outcome="failed"} 1)"), std::string::npos) << text;
    EXPECT_NE(text.find(R"(error_type="ErrorBadRequest")"), std::string::npos) << text;
}

TEST(TelemetrySpans, ContentGoesOnSpansOnlyWhenAskedFor) {
    FakeOpenRouter fake(FakeOpenRouterOptions{.tool_calls_per_answer = 1});
    Recorded recorded(otel::TelemetryOptions{.capture_content = true});
    auto model = std::make_shared<OpenRouterModel>(agentroute::test::fake_options(fake));
    Agent<> agent(AgentOptions{.name = "talker", .model = model, .instructions = "Be brief.", .tracer = recorded.tracing});
    agent.tool("lookup", "Look a topic up.", [](const Lookup& l) { return "notes on " + l.topic; });
    agent.run_sync("Tell me about tides");
    const auto chats = recorded.recorder->spans_named("chat fake/model");
    ASSERT_EQ(chats.size(), 2u);
    const std::string input = chats[0].string_attribute("gen_ai.input.messages").value_or("");
    EXPECT_NE(input.find(R"({"role":"user","parts":[{"type":"text","content":"Tell me about tides"}]})"), std::string::npos) << input;
    EXPECT_NE(chats[0].string_attribute("gen_ai.output.messages").value_or("").find(R"("type":"tool_call")"), std::string::npos);
    EXPECT_NE(chats[1].string_attribute("gen_ai.input.messages").value_or("").find(R"("type":"tool_call_response")"),
              std::string::npos);
    const auto tools = recorded.recorder->spans_named("execute_tool lookup");
    ASSERT_EQ(tools.size(), 1u);
    EXPECT_TRUE(tools[0].string_attribute("gen_ai.tool.call.arguments"));
    EXPECT_NE(tools[0].string_attribute("gen_ai.tool.call.result").value_or("").find("notes on"), std::string::npos);
    EXPECT_EQ(tools[0].string_attribute("gen_ai.tool.description"), "Look a topic up.");
    const auto runs = recorded.recorder->spans_named("invoke_agent talker");
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].string_attribute("gen_ai.system_instructions"), R"([{"type":"text","content":"Be brief."}])");
}
