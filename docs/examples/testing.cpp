// docs/testing.md

#include <agentroute/agentroute.hpp>

#include <cassert>
#include <iostream>

using namespace agentroute;
using agentroute::testkit::FunctionModel;
using agentroute::testkit::ScriptedModel;

int main() {
    // tag::scripted[]
    auto model = std::make_shared<ScriptedModel>(std::vector{
        ScriptedModel::tool_call("lookup_ticket", R"({"ticket_id":"4821"})"),
        ScriptedModel::text("Ticket 4821 is open.")});
    Agent agent({.name = "support", .model = model});
    agent.tool("lookup_ticket", "Look up a ticket.", [](RunContext&) { return std::string("open"); });

    auto result = agent.run_sync("Investigate ticket #4821");
    assert(result.output == "Ticket 4821 is open.");
    assert(model->requests().size() == 2);  // what the model was sent, for assertions
    // end::scripted[]

    // tag::function[]
    auto echo = std::make_shared<FunctionModel>([](const ModelRequest& request) {
        ModelResponse response;
        response.message = Message::assistant("you said: " + request.messages.back().content);
        return response;
    });
    std::cout << Agent({.name = "echo", .model = echo}).run_sync("hi").output << "\n";
    // end::function[]
    return result.output == "Ticket 4821 is open." ? 0 : 1;
}
