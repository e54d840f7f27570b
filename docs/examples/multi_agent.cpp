// docs/multi-agent.md

#include "offline.hpp"

#include <agentroute/agentroute.hpp>
#include <agentroute/testing/scripted_model.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

using namespace agentroute;
namespace asio = boost::asio;
using agentroute::testkit::ScriptedModel;

// tag::delegation[]
Agent<> make_researcher() {
    Agent web({.name = "web", .model = "openai/gpt-4o-mini",
               .instructions = "Look the topic up and report what you found.",
               .max_cost = 0.02});  // a tighter ceiling of its own, inside the parent's
    Agent researcher({.name = "researcher", .model = "anthropic/claude-sonnet-4",
                      .instructions = "Answer with the help of the research tool; call it once "
                                      "per sub-question, in parallel.",
                      .max_cost = 0.10});  // bounds the whole tree
    researcher.tool(web.as_tool("research", "Research one sub-question in depth"));
    return researcher;
}
// end::delegation[]

// tag::handoff[]
Agent<> make_triage() {
    Agent billing({.name = "billing", .model = "openai/gpt-4o-mini",
                   .instructions = "You handle refunds and invoices."});
    Agent sales({.name = "sales", .model = "openai/gpt-4o-mini",
                 .instructions = "You answer questions about plans and prices."});
    Agent triage({.name = "triage", .model = "openai/gpt-4o-mini",
                  .instructions = "Find out what the customer needs and hand them over."});
    HandoffOptions billing_handoff;
    billing_handoff.description = "Refunds, double charges, invoices";
    billing_handoff.input_filter = remove_tool_turns;  // billing sees the talk, not triage's lookups
    triage.handoff(billing, billing_handoff).handoff(sales);
    return triage;  // keeps billing and sales alive
}
// end::handoff[]

// tag::observe[]
asio::awaitable<void> forward(const Agent<>& researcher, std::string question) {
    auto stream = researcher.stream(std::move(question));
    while (auto event = co_await stream.next()) {
        if (event->kind == RunEvent::Kind::usage) {
            std::cout << event->agent() << ": $" << event->model_call()->usage.total_cost_usd << "\n";
        }
        if (event->kind == RunEvent::Kind::completed) {
            for (const AgentUsage& agent : event->result()->usage_by_agent()) {
                std::cout << agent.agent << " spent $" << agent.usage.total_cost_usd << " in "
                          << agent.usage.model_calls << " calls\n";
            }
        }
        event->rethrow();  // failed or cancelled: the tree's error, with the tree's usage
    }
}
// end::observe[]

int main() {
    auto fake = examples::offline_if_no_key();

    // A handoff, with in-process models standing in for the three agents' models.
    auto triage_model = std::make_shared<ScriptedModel>(std::vector{ScriptedModel::tool_call("transfer_to_billing", "{}")});
    auto billing_model = std::make_shared<ScriptedModel>(std::vector{ScriptedModel::text("Refund issued.")});
    Agent billing({.name = "billing", .model = billing_model, .instructions = "Refunds."});
    Agent triage({.name = "triage", .model = triage_model, .instructions = "Route."});
    triage.handoff(billing);
    Result<std::string> handled = triage.run_sync("I was charged twice");
    std::cout << handled.agent << " answered: " << handled.output << "\n";

    // A tree over HTTPS (the loopback fake when no key is set).
    Agent researcher = make_researcher();
    asio::io_context io;
    asio::co_spawn(io, forward(researcher, "What drives the tides?"), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    io.run();
    (void)make_triage();
    return handled.agent == "billing" ? 0 : 1;
}
