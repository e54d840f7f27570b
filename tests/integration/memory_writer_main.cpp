// Helper for the SIGKILL durability test: writes memories and conversation turns to the store
// named on the command line forever, printing each one only after its write returned.
//   M <i>   memory "k<i>" is committed
//   C <n>   conversation "conv" holds n whole turns

#include <agentroute/memory/memory_sqlite.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <cstdlib>

using namespace agentroute;

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: memory_writer PATH FIRST_INDEX\n");
        return 2;
    }
    MemorySQLite memory(argv[1]);
    const int first = std::atoi(argv[2]);
    boost::asio::io_context io;
    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
        for (int i = first;; ++i) {
            co_await memory.remember("memory number " + std::to_string(i), "ns", "k" + std::to_string(i));
            std::printf("M %d\n", i);
            std::fflush(stdout);
            if (i % 3 == 0) {
                const std::string id = "t" + std::to_string(i);
                std::vector<Message> turn{
                    Message::user("question " + std::to_string(i)),
                    Message::assistant({}, {ToolCall{id + "a", "lookup", "{}"}, ToolCall{id + "b", "lookup", "{}"}}),
                    Message::tool_result(id + "a", "lookup", "result a"),
                    Message::tool_result(id + "b", "lookup", "result b"),
                    Message::assistant("answer " + std::to_string(i))};
                co_await memory.append_conversation("conv", std::move(turn));
                std::printf("C %d\n", i);
                std::fflush(stdout);
            }
        }
    }, boost::asio::detached);
    io.run();
}
