// docs/serving.md: an agent with a C++ tool served over HTTP in a program's own io_context,
// asked once over a plain socket, then drained.

#include "offline.hpp"

#include <agentroute/agentroute.hpp>
#include <agentroute/memory/memory_sqlite.hpp>
#include <agentroute/serve/server.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/describe.hpp>

#include <filesystem>
#include <iostream>
#include <thread>

using namespace agentroute;
namespace asio = boost::asio;

struct Lookup {
    std::string ticket_id;
};
BOOST_DESCRIBE_STRUCT(Lookup, (), (ticket_id))

// What any OpenAI client sends: here by hand, over a socket, so the example needs nothing else.
asio::awaitable<std::string> ask(std::uint16_t port) {
    asio::ip::tcp::socket socket(co_await asio::this_coro::executor);
    co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
    const std::string body = R"({"model":"support","messages":[{"role":"user","content":"Why is ticket 4821 blocked?"}]})";
    const std::string request = "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                                "Authorization: Bearer sk-acme-example\r\n"
                                "Content-Type: application/json\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body;
    co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
    std::string reply;
    auto [ec, n] = co_await asio::async_read(socket, asio::dynamic_buffer(reply), asio::as_tuple(asio::use_awaitable));
    co_return reply;  // ends at the server's close (Connection: close)
}

int main() {
    auto fake = examples::offline_if_no_key();
    const auto dir = std::filesystem::temp_directory_path() / "agentroute-serving-demo";
    std::filesystem::create_directories(dir);
    const std::string ledger_path = (dir / "ledger.db").string();

    // tag::agent[]
    Agent support({.name = "support", .model = "openai/gpt-4o-mini", .max_cost = 0.05,
                   .memory = std::make_shared<Memory>()});
    support.tool("lookup_ticket", "Look a ticket up.", [](RunContext& ctx, const Lookup& l) {
        const auto& caller = ctx.deps<const serve::Caller>();  // tenant, budget, spent today
        return caller.tenant + "'s ticket " + l.ticket_id + ": the reporting disk is full";
    });
    // end::agent[]

    // tag::tenants[]
    std::vector<serve::Tenant> tenants = {
        {.id = "acme", .token = "sk-acme-example", .daily_budget_usd = 20.0, .max_concurrent_runs = 32},
        {.id = "globex", .token = "sk-globex-example", .daily_budget_usd = 5.0},
    };
    auto ledger = std::make_shared<MemorySQLite>(ledger_path);  // spend survives a restart
    // end::tenants[]

    // tag::embed[]
    asio::io_context io;
    serve::ServeOptions options;
    options.port = 0;                    // any free port; 8080 by default
    options.max_concurrent_runs = 512;   // past it: 429 with Retry-After
    options.tenants = tenants;           // bearer tokens, budgets (see "Tenants")
    options.ledger = ledger;
    options.access_log = [](std::string_view line) { std::cout << line << "\n"; };
    serve::Server server(io.get_executor(), options);
    server.add(support);                 // served as model "support"
    server.listen();

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](auto ec, int) {
        if (!ec) server.drain();         // stop accepting, let runs finish, then cancel
    });
    asio::co_spawn(io, server.run(), asio::detached);
    // end::embed[]

    std::string reply;
    asio::co_spawn(io, ask(server.port()), [&](std::exception_ptr e, std::string r) {
        if (e) std::rethrow_exception(e);
        reply = std::move(r);
        signals.cancel();
        server.drain();
    });
    // tag::threads[]
    std::vector<std::thread> pool;       // connections are coroutines on strands: any threads
    for (int i = 1; i < 4; ++i) pool.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : pool) t.join();
    // end::threads[]
    std::cout << reply.substr(reply.find("\r\n\r\n") + 4) << "\n";
    return reply.starts_with("HTTP/1.1 200") ? 0 : 1;
}
