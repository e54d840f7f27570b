// docs/memory.md: the PostgreSQL store. Runs in ctest against the suite's own server (its
// connection string in AGENTROUTE_POSTGRES).

#include <agentroute/agentroute.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <cstdlib>
#include <iostream>

using namespace agentroute;

boost::asio::awaitable<void> continue_anywhere(Memory& memory) {
    // Any process on any host with the same database sees the same conversation.
    std::vector<Message> turn{Message::user("Is ticket #4821 fixed?"), Message::assistant("Yes, since last night.")};
    co_await memory.append_conversation("acme/support-42", turn);
    for (const Message& m : co_await memory.load_conversation("acme/support-42")) std::cout << m.content << "\n";
}

int main() {
    const char* conninfo = std::getenv("AGENTROUTE_POSTGRES");
    if (conninfo == nullptr) {
        std::cerr << "set AGENTROUTE_POSTGRES to a libpq connection string\n";
        return 2;
    }
    // tag::open[]
    MemoryPostgresOptions options;
    options.pool_size = 16;                  // connections per process, at most
    options.statement_timeout = std::chrono::seconds(5);
    options.schema = "agentroute_docs";      // tables live here; several stores may share a database
    auto memory = std::make_shared<MemoryPostgres>(conninfo, options);  // connects and migrates: at start-up
    // end::open[]
    boost::asio::io_context io;
    auto done = boost::asio::co_spawn(io, continue_anywhere(*memory), boost::asio::use_future);
    io.run();
    done.get();
}
