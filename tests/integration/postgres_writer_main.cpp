// Helper for the multi-process PostgreSQL test: RUNS concurrent coroutines each write memories
// and conversation turns (to a set of ten conversations every writer shares) until killed,
// printing each only after its write returned:
//   M <key>             memory <key> is committed
//   C <conv> <turn>     conversation <conv> holds turn <turn>, whole
//   T <total>           an add of 0.125 to the shared total "spend" returned <total>

#include <agentroute/memory/memory_postgres.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>

using namespace agentroute;

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: postgres_writer CONNINFO SCHEMA WRITER RUNS\n");
        return 2;
    }
    MemoryPostgresOptions options;
    options.schema = argv[2];
    std::unique_ptr<MemoryPostgres> opened;
    try {
        opened = std::make_unique<MemoryPostgres>(argv[1], options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "postgres_writer: %s\n", e.what());
        return 1;
    }
    MemoryPostgres& memory = *opened;
    const std::string writer = argv[3];
    const int runs = std::atoi(argv[4]);
    std::mutex out;  // one line at a time
    auto say = [&](const std::string& line) {
        std::lock_guard lock(out);
        std::fputs(line.c_str(), stdout);
        std::fflush(stdout);
    };
    boost::asio::io_context io;
    for (int r = 0; r < runs; ++r) {
        boost::asio::co_spawn(io, [&, r]() -> boost::asio::awaitable<void> {
            for (int n = 0;; ++n) {
                const std::string id = writer + "-" + std::to_string(r) + "-" + std::to_string(n);
                co_await memory.remember("memory " + id, "ns", id);
                say("M " + id + "\n");
                const std::string conv = "conv" + std::to_string((r + n) % 10);
                std::vector<Message> turn{
                    Message::user("question " + id),
                    Message::assistant({}, {ToolCall{id + "a", "lookup", "{}"}, ToolCall{id + "b", "lookup", "{}"}}),
                    Message::tool_result(id + "a", "lookup", "result a"),
                    Message::tool_result(id + "b", "lookup", "result b"),
                    Message::assistant("answer " + id)};
                co_await memory.append_conversation(conv, std::move(turn));
                say("C " + conv + " " + id + "\n");
                const double total = co_await memory.add_to_total("spend", 0.125);
                say("T " + std::to_string(total) + "\n");
            }
        }, boost::asio::detached);
    }
    io.run();
}
