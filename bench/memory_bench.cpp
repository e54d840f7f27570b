// Memory store throughput: writes per second while filling to N memories (64 concurrent
// writers), then recall latency (p50/p99) over random queries at that size. One JSON line.
//   agentroute_bench_memory N [PATH]                       SQLite (default N = 100000, PATH in $TMPDIR)
//   agentroute_bench_memory N --ram                        the in-RAM store
//   agentroute_bench_memory N --postgres CONNINFO [SCHEMA] PostgreSQL (SCHEMA dropped first;
//                                                          default agentroute_bench)

#include <agentroute/agentroute.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>

using namespace agentroute;
using clock_type = std::chrono::steady_clock;

// Every run starts from an empty store: the last run's schema is dropped.
void drop_schema(const char* conninfo, const std::string& schema) {
    PGconn* conn = PQconnectdb(conninfo);
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    if (PQstatus(conn) == CONNECTION_OK) PQclear(PQexec(conn, ("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE").c_str()));
    PQfinish(conn);
}

int main(int argc, char** argv) {
    const long n = argc > 1 ? std::atol(argv[1]) : 100000;
    const std::string second = argc > 2 ? argv[2] : "";
    std::string store = "sqlite", path;
    std::unique_ptr<Memory> opened;
    if (second == "--ram") {
        store = "ram";
        opened = std::make_unique<Memory>();
    } else if (second == "--postgres" && argc > 3) {
        store = "postgres";
        MemoryPostgresOptions options;
        options.schema = argc > 4 ? argv[4] : "agentroute_bench";
        drop_schema(argv[3], options.schema);
        opened = std::make_unique<MemoryPostgres>(argv[3], options);
    } else {
        path = !second.empty() ? second : (std::filesystem::temp_directory_path() / "agentroute-bench-memory.db").string();
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
        opened = std::make_unique<MemorySQLite>(path);
    }
    Memory& memory = *opened;

    // A vocabulary of 5,000 words, Zipf-like use: realistic posting-list sizes for FTS5.
    std::mt19937 rng(7);
    std::vector<std::string> words;
    for (int i = 0; i < 5000; ++i) words.push_back("w" + std::to_string(i * 7919 % 100003));
    auto word = [&] {
        const double u = std::uniform_real_distribution<double>(0, 1)(rng);
        return words[static_cast<std::size_t>(std::pow(u, 3) * (words.size() - 1))];
    };
    auto sentence = [&](int count) {
        std::string s;
        for (int i = 0; i < count; ++i) s += (i ? " " : "") + word();
        return s;
    };

    boost::asio::io_context io{1};
    double write_s = 0;
    std::vector<double> recall_us;
    // Writers: 64 concurrent coroutines, as many runs writing to one store.
    constexpr int writers = 64;
    long next = 0;
    const auto w0 = clock_type::now();
    int live = writers;
    for (int w = 0; w < writers; ++w) {
        boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
            for (long i; (i = next++) < n;) {
                co_await memory.remember(sentence(12), "ns" + std::to_string(i % 16), "k" + std::to_string(i));
            }
            if (--live == 0) write_s = std::chrono::duration<double>(clock_type::now() - w0).count();
        }, boost::asio::detached);
    }
    io.run();
    io.restart();
    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
        for (int q = 0; q < 2000; ++q) {
            const std::string query = word() + " " + word();
            const auto t = clock_type::now();
            auto hits = co_await memory.recall(query, "ns" + std::to_string(q % 16), 5);
            recall_us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t).count());
            (void)hits;
        }
    }, boost::asio::detached);
    io.run();
    std::sort(recall_us.begin(), recall_us.end());
    auto pct = [&](double p) { return recall_us[static_cast<std::size_t>(p * (recall_us.size() - 1))]; };
    std::cout << boost::json::serialize(boost::json::object{
                     {"store", store},
                     {"memories", n},
                     {"writes_per_s", static_cast<double>(n) / write_s},
                     {"recall_p50_us", pct(0.50)},
                     {"recall_p99_us", pct(0.99)},
                     {"file_mb", path.empty() ? 0.0 : static_cast<double>(std::filesystem::file_size(path)) / (1024 * 1024)}})
              << std::endl;
}
