// The spec's "production-ready agent, end to end", in C++: env-loaded key, both budget guards,
// persistent memory, a history policy, a pinned model, error handling and usage logging.
// It is the README's main job: offline against the loopback fake when no key is set.

#include "offline.hpp"

// tag::production[]
#include <agentroute/agentroute.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <iostream>

using namespace agentroute;

struct LookupTicket {
    std::string ticket_id;
};
BOOST_DESCRIBE_STRUCT(LookupTicket, (), (ticket_id))

// One JSON line per event, like a structured logger would write.
void log(const char* event, boost::json::object fields) {
    fields["event"] = event;
    std::clog << boost::json::serialize(fields) << "\n";
}

Agent<> make_agent(const std::string& memory_path) {
    Agent agent({
        .name = "support",
        .model = "anthropic/claude-sonnet-4",  // pinned slug
        .instructions = "You are a concise, accurate support agent.",
        .max_cost = 0.50,  // USD ceiling per run
        .max_turns = 20,   // loop ceiling
        .retries = 2,      // corrective passes
        .memory = std::make_shared<MemorySQLite>(memory_path),
        .history = std::make_shared<HistorySlidingWindow>(30),
    });
    // API key comes from AGENTROUTE_API_KEY in the environment.
    agent.tool("lookup_ticket", "Look up a support ticket by its id and return its status line.",
               [](RunContext& ctx, const LookupTicket& args) -> boost::asio::awaitable<std::string> {
                   std::string status = "ticket " + args.ticket_id +
                                        ": open, priority high, nightly export failing since 02:00 (disk 100%)";
                   auto earlier = co_await ctx.memory().recall("ticket " + args.ticket_id, "tickets", 1);
                   co_await ctx.memory().remember(status, "tickets", "ticket-" + args.ticket_id);
                   co_return earlier.empty() ? status : status + " (seen before: " + earlier[0].text + ")";
               });
    return agent;
}

boost::asio::awaitable<std::string> handle(const Agent<>& agent, std::string prompt) {
    RunOptions options;
    options.conversation_id = "customer-42";  // the conversation survives restarts
    Result<std::string> result;
    try {
        result = co_await agent.run(std::move(prompt), std::move(options));
    } catch (const ErrorBudget& e) {
        log("budget_exceeded", {{"spent", e.spent()}, {"limit", e.limit()}});
        co_return "That request was too expensive to complete. Please narrow it.";
    } catch (const ErrorMaxTurns& e) {
        log("turns_exceeded", {{"turn", e.turn()}, {"limit", e.limit()}});
        co_return "That request took too many steps. Please simplify it.";
    } catch (const ErrorAgent& e) {
        log("agent_failed", {{"error", e.what()}, {"cost_usd", e.usage().total_cost_usd}});
        co_return "Something went wrong. Please try again.";
    }
    const Usage& u = result.usage;
    log("agent_run", {{"input_tokens", u.input_tokens},
                      {"output_tokens", u.output_tokens},
                      {"cost_usd", u.total_cost_usd},
                      {"model_calls", u.model_calls}});
    co_return to_string(result);
}
// end::production[]

int main(int argc, char** argv) {
    auto offline = examples::offline_if_no_key();
    const std::string prompt = argc > 1 ? argv[1] : "Investigate ticket #4821 and propose a fix.";
    const auto dir = std::filesystem::temp_directory_path() / "agentroute-demo";
    std::filesystem::create_directories(dir);
    try {
        Agent<> agent = make_agent((dir / "memory.db").string());
        boost::asio::io_context io;
        auto answer = boost::asio::co_spawn(io, handle(agent, prompt), boost::asio::use_future);
        io.run();
        std::cout << answer.get() << "\n";
    } catch (const ErrorAgent& e) {  // e.g. the memory file cannot be opened
        std::cerr << "startup failed: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
