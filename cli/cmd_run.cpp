#include "args.hpp"

#include <agentroute/agent.hpp>
#include <agentroute/net/openrouter_model.hpp>
#include <agentroute/resolve_model.hpp>

#include <boost/json.hpp>

#include <iostream>

namespace agentroute::cli {
namespace {

constexpr const char* help = R"(usage: agentroute run [options] PROMPT...

  --model NAME          model name or slug (default anthropic/claude-sonnet-4.5)
  --instructions TEXT   the system message
  --max-cost USD        stop the run past this cost
  --max-turns N         at most N model calls (default 10)
  --json                print {"output", "usage", "run_id"} as JSON
  --no-stream           do not stream the answer

The key comes from AGENTROUTE_API_KEY, OPENROUTER_API_KEY or ~/.agentroute/config;
AGENTROUTE_BASE_URL and AGENTROUTE_CA_FILE point it at another server (e.g. fake-server).
)";

}  // namespace

int cmd_run(const Args& args) {
    if (args.flag("help")) {
        std::cout << help;
        return ok;
    }
    if (args.positional().empty()) throw UsageError("run needs a prompt");
    std::string prompt;
    for (const auto& word : args.positional()) prompt += (prompt.empty() ? "" : " ") + word;

    auto model = resolve_model(args.value("model").value_or("anthropic/claude-sonnet-4.5"));
    if (args.flag("no-stream")) {
        auto* openrouter = dynamic_cast<OpenRouterModel*>(model.get());
        OpenRouterOptions o = openrouter->options();
        o.stream = false;
        model = std::make_shared<OpenRouterModel>(o);
    }
    AgentOptions options{.name = "cli", .model = model, .instructions = args.value("instructions").value_or("")};
    if (auto cost = args.value("max-cost")) options.max_cost = args.number("max-cost", 0);
    options.max_turns = static_cast<int>(args.number("max-turns", 10));
    Agent agent(std::move(options));

    const bool json = args.flag("json");
    RunOptions run;
    if (!json) {
        run.on_event = [](const RunEvent& e) {
            if (e.kind == RunEvent::Kind::text_delta) std::cout << e.text << std::flush;
        };
    }
    auto result = agent.run_sync(prompt, run);
    if (json) {
        boost::json::object usage{{"input_tokens", result.usage.input_tokens},
                                  {"output_tokens", result.usage.output_tokens},
                                  {"total_cost_usd", result.usage.total_cost_usd},
                                  {"cost_estimated", result.usage.cost_estimated},
                                  {"model_calls", result.usage.model_calls}};
        std::cout << boost::json::serialize(boost::json::object{
                         {"output", result.output}, {"usage", usage}, {"run_id", result.run_id}})
                  << "\n";
    } else {
        if (result.messages.back().content != result.output) std::cout << result.output;
        std::cout << "\n" << result.usage << "\n";
    }
    return ok;
}

}  // namespace agentroute::cli
