// docs/errors-and-retries.md

#include <agentroute/agentroute.hpp>

#include <iostream>

using namespace agentroute;
using agentroute::testkit::ScriptedModel;

int main() {
    // A model that asks for a tool forever, $0.20 a call.
    auto model = std::make_shared<ScriptedModel>(
        std::vector<agentroute::testkit::ScriptStep>(30, ScriptedModel::tool_call("noop", "{}", Usage{100, 10, 0.20, 1})));
    Agent agent({.name = "support", .model = model, .max_cost = 0.50, .max_turns = 20});
    agent.tool("noop", "Does nothing.", [](RunContext&) { return std::string("ok"); });

    // tag::catch[]
    try {
        Result<std::string> result = agent.run_sync("Investigate ticket #4821 and propose a fix.");
        std::cout << result.output << "\n";
    } catch (const ErrorBudget& e) {
        std::printf("Hit cost ceiling: spent $%.4f of $%.4f\n", e.spent(), e.limit());
    } catch (const ErrorMaxTurns& e) {
        std::printf("Hit turn limit: turn %d of %d\n", e.turn(), e.limit());
    } catch (const ErrorAgent& e) {
        std::printf("Agent failed: %s (spent $%.4f)\n", e.what(), e.usage().total_cost_usd);
    }
    // end::catch[]
}
