// docs/agents.md

#include "offline.hpp"

#include <agentroute/agentroute.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include <iostream>

using namespace agentroute;

// tag::define[]
Agent<> make_support_agent() {
    return Agent({
        .name = "support",
        .model = "anthropic/claude-sonnet-4",
        .instructions = "You are a concise, accurate support agent.",
        .max_cost = 0.50,
        .max_turns = 20,
    });
}
// end::define[]

// tag::await[]
boost::asio::awaitable<void> answer(const Agent<>& agent) {
    Result<std::string> result = co_await agent.run("Summarize today's incidents.");
    std::cout << result << "\n" << result.usage << "\n";

    // Continue the conversation: pass the messages back.
    RunOptions next;
    next.message_history = result.messages;
    Result<std::string> follow_up = co_await agent.run("And yesterday's?", std::move(next));
    std::cout << follow_up.output << "\n";
}
// end::await[]

int main() {
    auto offline = examples::offline_if_no_key();
    Agent<> agent = make_support_agent();

    // tag::sync[]
    Result<std::string> result = agent.run_sync("Hello!");
    std::cout << to_string(result) << "\n";
    // end::sync[]

    // tag::pool[]
    // Many concurrent runs of one agent on a small pool: one strand per run.
    boost::asio::thread_pool pool(4);
    for (int i = 0; i < 100; ++i) {
        boost::asio::co_spawn(boost::asio::make_strand(pool), agent.run("Ticket #" + std::to_string(i)),
                              [](std::exception_ptr error, Result<std::string> r) {
                                  if (!error) std::clog << r.run_id << ": " << r.usage.model_calls << " call(s)\n";
                              });
    }
    pool.join();
    // end::pool[]

    boost::asio::io_context io;
    auto done = boost::asio::co_spawn(io, answer(agent), boost::asio::use_future);
    io.run();
    done.get();
}
