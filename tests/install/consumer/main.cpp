// Runs an agent over real HTTPS against the installed fake OpenRouter: proves headers, libraries
// and dependencies of the installed package are complete.
#include <agentroute/agentroute.hpp>
#include <agentroute/net/fake_openrouter.hpp>

#include <iostream>

int main() {
    agentroute::testing::FakeOpenRouter fake;
    agentroute::OpenRouterOptions o;
    o.model = "anthropic/claude-sonnet-4";
    o.api_key = "sk-or-consumer";
    o.base_url = fake.base_url();
    o.https.ca_file = fake.ca_file();
    agentroute::Agent agent({.name = "consumer", .model = std::make_shared<agentroute::OpenRouterModel>(o)});
    auto result = agent.run_sync("hello");
    std::cout << result << "\n" << result.usage << "\n";
    return result.output.empty() ? 1 : 0;
}
