#pragma once

// The agent tree both telemetry test files trace: a researcher fanning out to three "web"
// children (the fake asks for three tool calls an answer), each asking for three lookups at once.
// One run makes 24 spans: 1 + 3 invoke_agent, 3 execute_tool research, 9 execute_tool lookup,
// 8 chat.

#include <agentroute/agent.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <agentroute_test/fake_model.hpp>
#include <boost/describe.hpp>
#include <gtest/gtest.h>

#include <optional>

namespace agentroute::test {

struct Lookup {
    std::string topic;
};
BOOST_DESCRIBE_STRUCT(Lookup, (), (topic))

inline constexpr std::size_t spans_per_tree = 24;

struct AgentTree {
    AgentTree(testkit::FakeOpenRouter& fake, std::shared_ptr<RunTracer> tracer) {
        auto model = std::make_shared<OpenRouterModel>(fake_options(fake, "anthropic/claude-sonnet-4.5"));
        child.emplace(AgentOptions{.name = "web", .model = model, .instructions = "Look things up."});
        child->tool("lookup", "Look a topic up.", [](RunContext& ctx, const Lookup& l) {
            EXPECT_NE(ctx.trace(), nullptr);  // a traced tool sees its span, to pass on
            return "notes on " + l.topic;
        });
        parent.emplace(AgentOptions{.name = "researcher", .model = model, .tracer = std::move(tracer)});
        parent->tool(child->as_tool("research", "Research a topic in depth"));
    }
    std::optional<Agent<>> child, parent;
};

}  // namespace agentroute::test
