// Soak with a ledger: R runs kept in flight for S seconds against a fake OpenRouter that
// injects random faults (`agentroute fake-server --fault-rate`), each run cancelled or given a
// deadline at random. Keeps the runs' own ledger (the usage of every result and every error),
// samples RSS and open file descriptors, then checks the client is healthy once the faults
// stop. bench/soak.sh starts the fake, runs this, and compares the ledgers.
//
//   FAKE_URL=... FAKE_CA=... agentroute_bench_soak --runs 1000 --seconds 1800 --sample 10
//       [--csv samples.csv] [--seed 1] [--http1]
//
// Prints one JSON line: outcomes by kind, counted_usd, model calls, the RSS and fd figures.
// Exit 1 when a run ended in something other than a result or an ErrorAgent, or a health
// check run failed.

#include <agentroute/agentroute.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sys/resource.h>
#include <unistd.h>

using namespace agentroute;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

struct LookupTicket {
    std::string ticket_id;
};
BOOST_DESCRIBE_STRUCT(LookupTicket, (), (ticket_id))

double rss_mb() {
    std::ifstream statm("/proc/self/statm");
    long pages = 0, resident = 0;
    statm >> pages >> resident;
    return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

long open_fds() {
    long n = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
}

long arg(int argc, char** argv, const char* name, long fallback) {
    for (int i = 1; i + 1 < argc; ++i) {
        if (!std::strcmp(argv[i], name)) return std::atol(argv[i + 1]);
    }
    return fallback;
}

std::string arg(int argc, char** argv, const char* name, std::string fallback) {
    for (int i = 1; i + 1 < argc; ++i) {
        if (!std::strcmp(argv[i], name)) return argv[i + 1];
    }
    return fallback;
}

// The runs' ledger and what ended them. One thread: no lock.
struct Ledger {
    Usage counted;
    std::map<std::string, long> outcomes;
    long untyped = 0;
    long finished = 0;

    void result(const Usage& usage) {
        counted += usage;
        ++outcomes["completed"];
        ++finished;
    }
    void error(std::exception_ptr e) {
        ++finished;
        try {
            std::rethrow_exception(e);
        } catch (const ErrorCancelled& x) {
            counted += x.usage();
            ++outcomes["cancelled"];
        } catch (const ErrorDeadline& x) {
            counted += x.usage();
            ++outcomes["deadline"];
        } catch (const ErrorAgent& x) {
            counted += x.usage();
            std::string kind = typeid(x).name();
            // "N10agentroute12ErrorTimeoutE" -> "ErrorTimeout"
            if (auto at = kind.find("Error"); at != std::string::npos) kind = kind.substr(at, kind.size() - at - 1);
            ++outcomes[kind];
        } catch (const std::exception& x) {
            ++untyped;
            std::cerr << "untyped error: " << x.what() << "\n";
        } catch (...) {
            ++untyped;
        }
    }
};

struct Sample {
    double t, rss_mb;
    long fds, finished, in_flight;
};

std::shared_ptr<OpenRouterModel> make_model(bool http1) {
    OpenRouterOptions o;
    o.model = "anthropic/claude-sonnet-4.5";
    o.api_key = "sk-or-soak";
    o.base_url = std::getenv("FAKE_URL");
    if (const char* ca = std::getenv("FAKE_CA")) o.https.ca_file = ca;
    o.stream = true;
    o.https.http2 = !http1;  // HTTP/1.1: a connection per run in flight, and faults that end them
    // Faults end in a bounded time: a stalled stream or a body that never ends meets the idle
    // timeout, a silent server the header timeout; retries are short.
    o.https.header_timeout = 3s;
    o.https.idle_timeout = 3s;
    o.https.settle_timeout = 2s;
    o.retry.max_attempts = 3;
    o.retry.base_delay = 50ms;
    o.retry.max_delay = 500ms;
    o.retry.max_retry_after = 2s;
    return std::make_shared<OpenRouterModel>(o);
}

}  // namespace

int main(int argc, char** argv) {
    if (!std::getenv("FAKE_URL")) {
        std::cerr << "usage: FAKE_URL=... FAKE_CA=... " << argv[0] << " --runs R --seconds S [--sample 10] [--csv F]\n";
        return 2;
    }
    const long runs = arg(argc, argv, "--runs", 1000);
    const auto duration = std::chrono::seconds(arg(argc, argv, "--seconds", 1800));
    const auto sample_every = std::chrono::seconds(arg(argc, argv, "--sample", 10));
    const std::string csv_path = arg(argc, argv, "--csv", std::string());
    std::mt19937_64 rng(static_cast<std::uint64_t>(arg(argc, argv, "--seed", 1)));
    rlimit files{};
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }

    bool http1 = false;
    for (int i = 1; i < argc; ++i) http1 = http1 || !std::strcmp(argv[i], "--http1");
    auto model = make_model(http1);
    Agent agent({.name = "soak", .model = model, .instructions = "Look tickets up, then answer.", .max_turns = 5});
    agent.tool("lookup_ticket", "Look a ticket up.", [](const LookupTicket& t) { return "ticket " + t.ticket_id + ": open"; });

    asio::io_context io{1};
    Ledger ledger;
    std::vector<Sample> samples;
    const Clock::time_point start = Clock::now();
    const Clock::time_point stop_at = start + duration;
    long in_flight = 0;

    // One slot: runs one after another until the soak ends, each cancelled, given a deadline or
    // left alone at random.
    auto slot = [&](long id) -> asio::awaitable<void> {
        auto executor = co_await asio::this_coro::executor;
        std::uniform_int_distribution<int> pick(0, 9);
        std::uniform_int_distribution<int> at_ms(0, 2000);
        while (Clock::now() < stop_at) {
            const int kind = pick(rng);
            RunOptions options;
            options.run_id = "soak-" + std::to_string(id) + "-" + std::to_string(ledger.finished);
            if (kind == 0) options.deadline = std::chrono::milliseconds(50 + at_ms(rng));
            auto signal = std::make_shared<asio::cancellation_signal>();
            std::optional<asio::steady_timer> canceller;
            if (kind == 1) {
                canceller.emplace(executor, std::chrono::milliseconds(at_ms(rng)));
                canceller->async_wait([signal](boost::system::error_code ec) {
                    if (!ec) signal->emit(asio::cancellation_type::terminal);
                });
            }
            ++in_flight;
            // The run in a child coroutine of its own, bound to its own signal. Named locals, not
            // temporaries of the co_await (GCC 12).
            auto run = agent.run("Investigate ticket #4821", std::move(options));
            auto bound = asio::bind_cancellation_slot(signal->slot(), asio::as_tuple(asio::use_awaitable));
            auto [e, result] = co_await asio::co_spawn(executor, std::move(run), bound);
            --in_flight;
            if (canceller) canceller->cancel();
            if (e) {
                ledger.error(e);
            } else {
                ledger.result(result.usage);
            }
        }
    };
    for (long i = 0; i < runs; ++i) asio::co_spawn(io, slot(i), asio::detached);

    // Samples, until every slot has ended.
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        for (;;) {
            const double t = std::chrono::duration<double>(Clock::now() - start).count();
            samples.push_back({t, rss_mb(), open_fds(), ledger.finished, in_flight});
            if (Clock::now() >= stop_at && in_flight == 0) co_return;
            timer.expires_after(Clock::now() >= stop_at ? std::chrono::seconds(1) : sample_every);
            co_await timer.async_wait(asio::use_awaitable);
        }
    }, asio::detached);
    io.run();
    io.restart();
    const double soak_s = std::chrono::duration<double>(Clock::now() - start).count();

    // Health afterwards (the fake's faults have stopped): fresh runs on the same pool succeed.
    long healthy = 0;
    constexpr long health_runs = 100;
    Usage health_usage;
    for (long i = 0; i < health_runs; ++i) {
        asio::co_spawn(io, agent.run("Investigate ticket #4821"), [&](std::exception_ptr e, Result<std::string> r) {
            if (e) {
                ledger.error(e);
                return;
            }
            health_usage += r.usage;
            ++healthy;
        });
    }
    io.run();
    ledger.counted += health_usage;

    if (!csv_path.empty()) {
        std::ofstream csv(csv_path);
        csv << "t_s,rss_mb,fds,finished,in_flight\n";
        for (const Sample& s : samples) csv << s.t << ',' << s.rss_mb << ',' << s.fds << ',' << s.finished << ',' << s.in_flight << '\n';
    }
    boost::json::object outcomes;
    for (const auto& [kind, n] : ledger.outcomes) outcomes[kind] = n;
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    boost::json::object line{{"runs_in_flight", runs},
                             {"protocol", http1 ? "http/1.1" : "h2"},
                             {"soak_s", soak_s},
                             {"finished", ledger.finished},
                             {"untyped", ledger.untyped},
                             {"outcomes", outcomes},
                             {"counted_usd", ledger.counted.total_cost_usd},
                             {"model_calls", ledger.counted.model_calls},
                             {"cost_estimated", ledger.counted.cost_estimated},
                             {"cost_unknown", ledger.counted.cost_unknown},
                             {"healthy", healthy},
                             {"health_runs", health_runs},
                             {"fds_after", open_fds()},
                             {"peak_rss_mb", static_cast<double>(usage.ru_maxrss) / 1024.0},
                             {"samples", static_cast<std::int64_t>(samples.size())}};
    std::cout << boost::json::serialize(line) << std::endl;
    return ledger.untyped == 0 && healthy == health_runs ? 0 : 1;
}
