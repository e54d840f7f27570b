// docs/structured-output.md

#include <agentroute/agentroute.hpp>

#include <iostream>

using namespace agentroute;
using agentroute::testkit::ScriptedModel;

// tag::ticket[]
struct Ticket {
    std::string summary;
    std::string priority;
};
BOOST_DESCRIBE_STRUCT(Ticket, (), (summary, priority))
// end::ticket[]

int main() {
    // An in-process model plays the LLM here: the first answer breaks the rule, the second
    // follows it.
    auto model = std::make_shared<ScriptedModel>(std::vector{
        ScriptedModel::text(R"({"summary":"Export fails","priority":"urgent"})"),
        ScriptedModel::text(R"({"summary":"Export fails","priority":"high"})")});

    // tag::agent[]
    Agent<Ticket> agent({
        .name = "triage",
        .model = model,  // "anthropic/claude-sonnet-4" in production
        .retries = 2,    // allow two corrective passes
    });

    agent.output_validator([](RunContext&, Ticket output) -> Ticket {
        if (output.priority != "low" && output.priority != "medium" && output.priority != "high") {
            throw Retry("priority must be one of: low, medium, high");
        }
        return output;
    });

    Result<Ticket> result = agent.run_sync("The nightly export fails: disk full.");
    std::cout << result.output.summary << " / " << result.output.priority << "\n";  // Export fails / high
    std::cout << result << "\n";  // the output as JSON
    // end::agent[]
    return result.output.priority == "high" ? 0 : 1;
}
