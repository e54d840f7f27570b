// docs/history.md

#include "offline.hpp"

#include <agentroute/agentroute.hpp>

#include <iostream>

using namespace agentroute;

int main() {
    auto offline = examples::offline_if_no_key();
    // tag::window[]
    Agent window_agent({
        .name = "assistant",
        .model = "anthropic/claude-sonnet-4",
        .history = std::make_shared<HistorySlidingWindow>(30),
    });
    // end::window[]

    // tag::summarize[]
    std::shared_ptr<Model> summarizer = resolve_model("claude-sonnet-4");
    Agent summarizing_agent({
        .name = "assistant",
        .model = "anthropic/claude-sonnet-4",
        .history = std::make_shared<HistorySummarize>(summarizer, 6),
    });
    // end::summarize[]

    // tag::truncate[]
    auto truncate = std::make_shared<HistoryTruncate>(100'000);  // ~4 characters a token
    // end::truncate[]
    (void)truncate;
    std::cout << window_agent.run_sync("Hello").output << "\n";
    std::cout << summarizing_agent.run_sync("Hello").output << "\n";
}
