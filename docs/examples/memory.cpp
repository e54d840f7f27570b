// docs/memory.md

#include <agentroute/agentroute.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <filesystem>
#include <iostream>

using namespace agentroute;

// tag::use[]
boost::asio::awaitable<void> remember_and_recall(Memory& memory) {
    // Namespaces keep tenants apart: "acme" never sees "globex".
    co_await memory.remember("Acme's VPN needs a hardware token", "acme");
    co_await memory.remember("Export jobs run nightly at 02:00", "acme", "export-schedule");
    co_await memory.remember("Globex uses SSO only", "globex");

    for (const MemoryRecord& hit : co_await memory.recall("vpn token", "acme", 3)) {
        std::cout << hit.score << "  " << hit.text << "\n";
    }
    if (auto item = co_await memory.get("export-schedule", "acme")) std::cout << item->text << "\n";
    co_await memory.forget("export-schedule", "acme");
}
// end::use[]

int main() {
    const auto path = std::filesystem::temp_directory_path() / "agentroute-docs-memory.db";
    std::filesystem::remove(path);
    // tag::open[]
    auto memory = std::make_shared<MemorySQLite>(path.string());  // durable, FTS5
    // auto memory = std::make_shared<Memory>();                  // in RAM, same behaviour
    // end::open[]
    boost::asio::io_context io;
    auto done = boost::asio::co_spawn(io, remember_and_recall(*memory), boost::asio::use_future);
    io.run();
    done.get();
}
