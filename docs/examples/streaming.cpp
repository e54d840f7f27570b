// docs/streaming.md

#include "offline.hpp"

#include <agentroute/agentroute.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

using namespace agentroute;
namespace asio = boost::asio;

// tag::deps[]
struct Tenant {
    std::string id;
};

asio::awaitable<std::string> answer_for(const Agent<>& agent, Tenant& tenant, std::string question) {
    RunOptions options;            // a named variable: see "GCC 12" below
    options.deps = Deps(tenant);   // reached by tools as ctx.deps<Tenant>()
    options.max_cost = 0.05;       // this tenant's ceiling for this run
    auto stream = agent.stream(std::move(question), std::move(options));
    std::string text;
    while (auto event = co_await stream.next()) {
        switch (event->kind) {
            case RunEvent::Kind::text_delta: text += event->text; break;  // forward it here
            case RunEvent::Kind::failed:
            case RunEvent::Kind::cancelled: event->rethrow(); break;
            default: break;
        }
    }
    co_return text;
}
// end::deps[]

int main() {
    auto fake = examples::offline_if_no_key();
    Agent agent({.name = "support", .model = "openai/gpt-4o-mini"});
    agent.tool("whoami", "The caller's tenant id.", [](RunContext& ctx) { return ctx.deps<Tenant>().id; });

    asio::io_context io;
    Tenant acme{"acme"};
    std::string answer;
    asio::co_spawn(io, answer_for(agent, acme, "Hello"), [&](std::exception_ptr e, std::string text) {
        if (e) std::rethrow_exception(e);
        answer = std::move(text);
    });
    io.run();
    std::cout << answer << "\n";
    return answer.empty() ? 1 : 0;
}
