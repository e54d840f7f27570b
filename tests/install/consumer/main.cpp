// A new user's program, from the docs: options as designated initializers (every field left
// out is one -Wmissing-field-initializers could flag), a run co_awaited from the user's own
// coroutine on their own executor (Asio's any_io_executor prefer/require, which a compiled Asio
// of another compiler does not provide), a tool, typed errors. Runs over real HTTPS against
// the installed fake OpenRouter.
#include <agentroute/agentroute.hpp>
#include <agentroute/net/fake_openrouter.hpp>

#include <boost/asio.hpp>

#include <iostream>

namespace asio = boost::asio;
using namespace agentroute;  // beside GoogleTest in users' tests: no `testing` of ours to collide

struct LookupTicket {
    std::string ticket_id;
};
BOOST_DESCRIBE_STRUCT(LookupTicket, (), (ticket_id))

asio::awaitable<int> serve(Agent<> agent) {
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(1));
    co_await timer.async_wait(asio::use_awaitable);
    RunOptions options{.deadline = std::chrono::seconds(30)};
    Result<std::string> result = co_await agent.run("Investigate ticket #4821", options);
    std::cout << result << "\n" << result.usage << "\n";
    asio::any_io_executor ex = co_await asio::this_coro::executor;
    asio::post(ex, [] {});
    co_return result.output.empty() ? 1 : 0;
}

int main() {
    testkit::FakeOpenRouter fake;
    OpenRouterOptions o{.model = "anthropic/claude-sonnet-4", .api_key = "sk-or-consumer", .base_url = fake.base_url()};
    o.https.ca_file = fake.ca_file();
    Agent agent({.name = "consumer", .model = std::make_shared<OpenRouterModel>(o), .max_cost = 0.5});
    agent.tool("lookup_ticket", "Look a ticket up by id.",
               [](RunContext&, const LookupTicket& args) { return "ticket " + args.ticket_id + ": disk full"; });
    // An awaitable tool too (another instantiation of the tool adapter, warning-free under clang).
    agent.tool("wait_a_moment", "Waits a millisecond.", [](RunContext& ctx) -> asio::awaitable<std::string> {
        asio::steady_timer pause(ctx.executor(), std::chrono::milliseconds(1));
        co_await pause.async_wait(asio::use_awaitable);
        co_return "waited";
    });

    asio::thread_pool pool(2);
    auto exit_code = asio::co_spawn(pool, serve(agent), asio::use_future);
    const int code = exit_code.get();
    pool.join();

    try {
        Agent broken({.name = "broken", .model = "anthropic/claude-sonnet-4", .api_key = "sk-or-wrong"});
        (void)broken;
    } catch (const ErrorAgent& e) {
        std::cerr << "unexpected: " << e.what() << "\n";
        return 1;
    }
    return code;
}
