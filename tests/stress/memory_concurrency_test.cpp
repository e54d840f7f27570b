// 5,000 concurrent coroutines writing and reading one SQLite store on one I/O thread: every
// write is present, and a timer on that thread keeps firing on time (nothing blocks it).

#include <agentroute/memory/memory_sqlite.hpp>

#include <agentroute_test/run_co.hpp>
#include <agentroute_test/sanitizers.hpp>
#include <agentroute_test/temp_dir.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <atomic>

using namespace agentroute;
using namespace std::chrono_literals;

TEST(Stress, FiveThousandCoroutinesShareOneStoreWithoutBlockingTheIoThread) {
    agentroute::test::TempDir dir;
    MemorySQLite memory(dir.file("busy.db"));
    boost::asio::io_context io{1};
    constexpr int writers = 5000;
    std::atomic<int> done{0}, found{0};
    std::chrono::steady_clock::duration worst_lateness{};
    bool stop_ticker = false;

    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
        boost::asio::steady_timer timer(io);
        while (!stop_ticker) {
            const auto due = std::chrono::steady_clock::now() + 5ms;
            timer.expires_at(due);
            co_await timer.async_wait(boost::asio::use_awaitable);
            worst_lateness = std::max(worst_lateness, std::chrono::steady_clock::now() - due);
        }
    }, boost::asio::detached);

    for (int i = 0; i < writers; ++i) {
        boost::asio::co_spawn(io, [&, i]() -> boost::asio::awaitable<void> {
            const std::string key = "k" + std::to_string(i);
            co_await memory.remember("note " + std::to_string(i) + " about shared storage", "ns", key);
            auto got = co_await memory.get(key, "ns");
            auto hits = co_await memory.recall("note " + std::to_string(i), "ns", 3);
            if (got && got->text == "note " + std::to_string(i) + " about shared storage" && !hits.empty()) ++found;
            if (++done == writers) stop_ticker = true;
        }, boost::asio::detached);
    }
    io.run();
    EXPECT_EQ(found, writers);
    EXPECT_EQ(agentroute::test::run_co(memory.recent("ns", writers + 10)).size(),
              static_cast<std::size_t>(writers));
    // Blocking SQLite calls on this thread would delay the 5 ms ticker by the whole run
    // (~15,000 statements); hopping to the store's thread keeps it on time. Sanitized builds
    // are ~10x slower at the burst of 5,000 coroutine starts, hence their looser bound.
    EXPECT_LT(worst_lateness, agentroute::test::sanitized ? 1000ms : 100ms);
}
