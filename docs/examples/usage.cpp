// docs/usage.md

#include "offline.hpp"

#include <agentroute/agentroute.hpp>

#include <iostream>

using namespace agentroute;

// tag::calls[]
// One line per model call: which model answered, its generation id, tokens, what it cost and
// how sure that cost is, how long it took.
void log_calls(std::span<const CallUsage> calls) {
    for (const CallUsage& call : calls) {
        std::cout << call.model << " " << call.generation_id << " in=" << call.usage.input_tokens
                  << " (cached " << call.usage.cached_input_tokens << ") out=" << call.usage.output_tokens
                  << " (reasoning " << call.usage.reasoning_tokens << ") $" << call.usage.total_cost_usd << " "
                  << to_string(call.cost_source) << " " << call.latency.count() / 1000 << " ms "
                  << call.attempts << " attempt(s)" << (call.failed ? " failed" : "") << "\n";
    }
}
// end::calls[]

int main() {
    auto fake = examples::offline_if_no_key();
    Agent agent({.name = "support", .model = "openai/gpt-4o-mini", .max_cost = 0.50});
    agent.tool("lookup_ticket", "Look a ticket up by id.", [](RunContext&) { return std::string("open"); });
    // tag::unknown[]
    try {
        Result<std::string> result = agent.run_sync("Investigate ticket #4821");
        log_calls(result.calls);
        if (result.usage.cost_unknown) std::cout << "at least $" << result.usage.total_cost_usd << "\n";
    } catch (const ErrorCostUnknown& e) {
        // A call's cost could not be had, so max_cost could not be kept: stopped before the
        // next call. e.calls() shows which one (cost_source == CostSource::unknown).
        log_calls(e.calls());
        return 1;
    } catch (const ErrorAgent& e) {
        log_calls(e.calls());  // a failed run's calls, billed ones included
        return 1;
    }
    // end::unknown[]
    return 0;
}
