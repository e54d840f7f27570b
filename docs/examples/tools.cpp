// docs/tools.md

#include "offline.hpp"

#include <agentroute/agentroute.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fstream>
#include <iostream>

using namespace agentroute;

// tag::args[]
enum class Priority { low, medium, high };
BOOST_DESCRIBE_ENUM(Priority, low, medium, high)

struct LookupTicket {
    std::string ticket_id;               // required
    std::optional<bool> include_history;  // optional: absent from "required"
};
BOOST_DESCRIBE_STRUCT(LookupTicket, (), (ticket_id, include_history))

struct SetPriority {
    std::string ticket_id;
    Priority priority;  // the schema lists the enum's names
};
BOOST_DESCRIBE_STRUCT(SetPriority, (), (ticket_id, priority))
// end::args[]

int main() {
    auto offline = examples::offline_if_no_key();
    Agent agent({.name = "support", .model = "anthropic/claude-sonnet-4"});

    // tag::register[]
    // A plain handler: (RunContext&, const Args&) -> text.
    agent.tool("lookup_ticket", "Look up a support ticket by its id.",
               [](RunContext& ctx, const LookupTicket& args) {
                   return "ticket " + args.ticket_id + " (run " + ctx.run_id() + "): open";
               });

    // An awaitable handler: it may suspend without blocking the thread.
    agent.tool("set_priority", "Change a ticket's priority.",
               [](const SetPriority& args) -> boost::asio::awaitable<std::string> {
                   boost::asio::steady_timer t(co_await boost::asio::this_coro::executor,
                                               std::chrono::milliseconds(1));
                   co_await t.async_wait(boost::asio::use_awaitable);
                   if (args.ticket_id.empty()) throw Retry("ticket_id must not be empty");
                   co_return "priority set";
               });

    // A blocking handler (file I/O here) runs on the blocking pool, never on an I/O thread.
    agent.tool(
        "read_runbook", "Read the on-call runbook.",
        [](RunContext&) {
            std::ifstream in("/etc/hostname");
            std::string line;
            std::getline(in, line);
            return "runbook for " + line;
        },
        ToolOptions{.blocking = true});
    // end::register[]

    std::cout << json_schema<SetPriority>() << "\n";
    std::cout << agent.run_sync("Investigate ticket #4821").output << "\n";
}
