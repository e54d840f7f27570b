// Load benchmark speaking the client contract of shared/peers/README.md: N concurrent runs of
// the peers' scenario (instructions, one tool, two model calls over HTTPS), then one JSON line.
//
//   FAKE_URL=https://127.0.0.1:PORT/api/v1 FAKE_CA=ca.pem agentroute_bench_load N [--threads T]
//   BENCH_STREAM=1      stream the answers (SSE)
//   BENCH_STREAM=on_event  stream, and hand every event to RunOptions::on_event, which keeps
//                       the answer's text deltas (today's observed path)
//   BENCH_STREAM=pull   stream, and pull every event through Agent::stream() from a consumer
//                       coroutine that keeps the text deltas (bench/stream_consumers.sh
//                       compares them)
//   BENCH_STREAM=pull_text  the same, asking the stream for text deltas only
//                       (StreamOptions::events), as the on_event consumer uses only those
//   BENCH_THREADS=T     executor threads (default 1: the fake needs the other core)
//   BENCH_SEQUENTIAL=1  run the N runs one after another and report RSS growth instead
//   BENCH_PRECONNECT=0  open connections as the runs need them, instead of opening N first
//   BENCH_HTTP1=1       HTTP/1.1 only (HttpsOptions::http2 = false). By default HTTP/2 is
//                       offered: the runs share a few connections when the server takes it
//                       (our fake does; the peers' Node fake answers HTTP/1.1)
//   BENCH_LABEL=-x      appended to the reported name (e.g. a run with another allocator
//                       preloaded, which this program cannot see)
//   BENCH_TREE=1        each run is a tree: the agent hands each of its tool calls to a child
//                       agent (the tool `research`, `Agent::as_tool`) that has the lookup tool.
//                       With the fake answering three tool calls at once (`fake-server
//                       --tool-calls 3`) that is 8 model calls a tree: bench/agent_trees.sh
//   BENCH_OTLP_URL=URL  trace every run (AgentOptions::tracer: telemetry::Telemetry, GenAI
//                       spans and metrics) and export the spans over OTLP/HTTP JSON to URL, from
//                       an exporter thread of this process (its CPU counted); the metrics are
//                       rendered once at the end, as a scrape would. bench/telemetry_overhead.sh
//                       compares it with the same runs untraced. BENCH_OTLP_URL=- : traced,
//                       spans and metrics, exported nowhere (what the export itself costs).
//                       BENCH_OTLP_QUEUE=K: the exporter's max_queue (default: room for every span)
//   BENCH_ATTEMPTS=K    HTTP attempts per model call (RetryOptions::max_attempts). Default 1:
//                       retries off, as every peer runs (`maxRetries: 0`), so a failure shows
//                       as one rather than hiding in a retry. `retries` in the result counts
//                       the retries taken (from each call's record).
//
// By default N connections are opened first (OpenRouterModel::preconnect) and timed apart:
// setup_s is that phase, run_s the N runs on open connections; wall_s is both, as the
// contract wants. CPU and RSS cover both phases. first_answer_p10_s/p90_s and done_p10_s/p50_s/
// p90_s say when the runs got their first answer and when they ended (seconds since the start).

#include <agentroute/agentroute.hpp>
#include <agentroute/telemetry/otlp_exporter.hpp>
#include <agentroute/telemetry/telemetry.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <span>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

using namespace agentroute;

namespace {

// The scenario's values, as in shared/peers/scenario.mjs.
constexpr const char* model_slug = "anthropic/claude-sonnet-4.5";
constexpr const char* instructions =
    "You are a support engineer. Look tickets up with lookup_ticket before you answer, then reply in two "
    "sentences.";
constexpr const char* prompt = "Investigate ticket #4821";
constexpr const char* final_text =
    "Ticket #4821 is blocked: the nightly export fails because the reporting disk is full. I rotated logs "
    "older than 14 days and raised the quota to 200 GB; the next scheduled export run should pass tonight.";

struct LookupTicket {
    std::string ticket_id;
};
BOOST_DESCRIBE_STRUCT(LookupTicket, (), (ticket_id))

std::atomic<long> tool_runs{0};

// Moments (seconds since the start) at which runs got their first answer (their tool ran) and
// ended: a wall far above the median end is a tail, and first answers spread over a long time
// mean the requests left slowly, not that the answers came back late.
// Off in the sequential (leak) check, whose RSS it would grow.
struct Timeline {
    bool on = false;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    std::mutex mutex;
    std::vector<double> first_answers, ends;

    void mark(std::vector<double>& into) {
        if (!on) return;
        const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::lock_guard lock(mutex);
        into.push_back(t);
    }
    static double percentile(std::vector<double>& v, double q) {
        std::sort(v.begin(), v.end());
        return v.empty() ? 0 : v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
    }
} timeline;

double rss_mb() {
    std::ifstream statm("/proc/self/statm");
    long pages = 0, resident = 0;
    statm >> pages >> resident;
    return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

double round3(double x) { return static_cast<double>(static_cast<long long>(x * 1000 + 0.5)) / 1000; }

std::shared_ptr<OpenRouterModel> make_model(bool stream, bool http2) {
    OpenRouterOptions o;
    o.model = model_slug;
    o.api_key = "sk-or-fake";
    o.base_url = std::getenv("FAKE_URL");
    o.stream = stream;
    if (const char* ca = std::getenv("FAKE_CA")) o.https.ca_file = ca;
    o.https.header_timeout = std::chrono::seconds(300);
    o.https.http2 = http2;
    o.retry.max_attempts = std::getenv("BENCH_ATTEMPTS") ? std::max(1, std::atoi(std::getenv("BENCH_ATTEMPTS"))) : 1;
    return std::make_shared<OpenRouterModel>(o);
}

Agent<> make_agent(std::shared_ptr<OpenRouterModel> model, std::shared_ptr<RunTracer> tracer) {
    Agent agent({.name = "support", .model = std::move(model), .instructions = instructions, .max_turns = 5,
                 .tracer = std::move(tracer)});
    agent.tool("lookup_ticket", "Look up a support ticket by its id and return its status line.",
               [](const LookupTicket& args) {
                   ++tool_runs;
                   timeline.mark(timeline.first_answers);
                   return "ticket " + args.ticket_id + ": open, priority high, nightly export failing since 02:00 (disk 100%)";
               });
    return agent;
}

// The tree: the same agent, whose tool is a child agent that has the lookup tool.
Agent<> make_tree(std::shared_ptr<OpenRouterModel> model, std::shared_ptr<RunTracer> tracer) {
    Agent<> child = make_agent(model, nullptr);  // reports to its caller's tracer
    Agent parent({.name = "triage", .model = std::move(model), .instructions = instructions, .max_turns = 5,
                  .tracer = std::move(tracer)});
    parent.tool(child.as_tool("research", "Research one ticket in depth."));
    return parent;
}

// How a run's events are consumed.
enum class Consumer { none, on_event, pull, pull_text };

// The run, observed through a callback that keeps the streamed text.
boost::asio::awaitable<Result<std::string>> run_with_on_event(const Agent<>& agent) {
    RunOptions options;
    options.on_event = [text = std::make_shared<std::string>()](const RunEvent& event) {
        if (event.kind == RunEvent::Kind::text_delta) text->append(event.text);
    };
    co_return co_await agent.run(prompt, std::move(options));
}

// The run, pulled event by event by a consumer that keeps the streamed text.
boost::asio::awaitable<Result<std::string>> run_pulled(const Agent<>& agent, bool text_only) {
    StreamOptions options;
    if (text_only) options.events = {RunEvent::Kind::text_delta};
    auto stream = agent.stream(prompt, RunOptions(), std::move(options));
    std::string text;
    std::optional<Result<std::string>> result;
    while (auto event = co_await stream.next()) {
        if (event->kind == RunEvent::Kind::text_delta) text += event->text;
        if (event->kind == RunEvent::Kind::completed) result = std::move(*event->result());
        if (event->kind == RunEvent::Kind::failed || event->kind == RunEvent::Kind::cancelled) event->rethrow();
    }
    if (!result || result->output != text) throw std::runtime_error("the stream's text is not the answer");
    co_return std::move(*result);
}

boost::asio::awaitable<Result<std::string>> one_run(const Agent<>& agent, Consumer consumer) {
    switch (consumer) {
        case Consumer::on_event: return run_with_on_event(agent);
        case Consumer::pull: return run_pulled(agent, false);
        case Consumer::pull_text: return run_pulled(agent, true);
        case Consumer::none: break;
    }
    return agent.run(prompt);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::atoi(argv[1]) < 1 || !std::getenv("FAKE_URL")) {
        std::cerr << "usage: FAKE_URL=https://127.0.0.1:PORT/api/v1 FAKE_CA=ca.pem " << argv[0] << " N [--threads T]\n";
        return 2;
    }
    const long n = std::atol(argv[1]);
    unsigned threads = std::getenv("BENCH_THREADS") ? static_cast<unsigned>(std::atoi(std::getenv("BENCH_THREADS"))) : 1;
    for (int i = 2; i + 1 < argc; ++i) {
        if (!std::strcmp(argv[i], "--threads")) threads = static_cast<unsigned>(std::atoi(argv[i + 1]));
    }
    const std::string stream_mode = std::getenv("BENCH_STREAM") ? std::getenv("BENCH_STREAM") : "";
    const Consumer consumer = stream_mode == "on_event"    ? Consumer::on_event
                            : stream_mode == "pull"      ? Consumer::pull
                            : stream_mode == "pull_text" ? Consumer::pull_text
                                                         : Consumer::none;
    const bool stream = stream_mode == "1" || consumer != Consumer::none;
    const bool sequential = std::getenv("BENCH_SEQUENTIAL") && std::string(std::getenv("BENCH_SEQUENTIAL")) == "1";

    rlimit files{};
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;  // one socket per concurrent run
        setrlimit(RLIMIT_NOFILE, &files);
    }

    const bool preconnect = !(std::getenv("BENCH_PRECONNECT") && std::string(std::getenv("BENCH_PRECONNECT")) == "0");
    const bool http2 = !(std::getenv("BENCH_HTTP1") && std::string(std::getenv("BENCH_HTTP1")) == "1");
    auto model = make_model(stream, http2);
    const bool tree = std::getenv("BENCH_TREE") && std::string(std::getenv("BENCH_TREE")) == "1";
    // Tracing: spans exported from a thread of their own, as a server would run it.
    const char* otlp_url = std::getenv("BENCH_OTLP_URL");
    boost::asio::io_context export_io{1};
    auto export_guard = boost::asio::make_work_guard(export_io);
    std::optional<std::thread> export_thread;
    std::shared_ptr<telemetry::OtlpExporter> exporter;
    std::shared_ptr<telemetry::Telemetry> tracing;
    if (otlp_url && *otlp_url) {
        telemetry::TelemetryOptions options;
        if (std::string_view(otlp_url) != "-") {
            // Room for every span of the N runs (BENCH_OTLP_QUEUE: less, to see drops): all N end
            // within a few hundred milliseconds, faster than one loopback receiver takes them.
            const std::size_t queue = std::getenv("BENCH_OTLP_QUEUE") ? std::strtoull(std::getenv("BENCH_OTLP_QUEUE"), nullptr, 10)
                                                                      : static_cast<std::size_t>(n) * 32 + 4096;
            exporter = telemetry::OtlpExporter::create(export_io.get_executor(), {.endpoint = otlp_url, .max_queue = queue});
            options.sinks.push_back(exporter);
            export_thread.emplace([&] { export_io.run(); });
        }
        tracing = std::make_shared<telemetry::Telemetry>(std::move(options));
    }
    Agent<> agent = tree ? make_tree(model, tracing) : make_agent(model, tracing);
    std::atomic<long> ok{0}, failed{0}, model_calls{0}, retries{0};
    auto count_retries = [&](std::span<const CallUsage> calls) {
        for (const CallUsage& c : calls) retries += std::max(0, c.attempts - 1);
    };
    std::mutex error_mutex;
    std::string first_error;
    if (!sequential) {
        timeline.on = true;
        timeline.first_answers.reserve(static_cast<std::size_t>(n) * (tree ? 9 : 1));
        timeline.ends.reserve(static_cast<std::size_t>(n));
    }
    auto done = [&](std::exception_ptr e, const Result<std::string>& r) {
        timeline.mark(timeline.ends);
        if (e) {
            ++failed;
            try {
                std::rethrow_exception(e);
            } catch (const ErrorAgent& x) {
                count_retries(x.calls());
                std::lock_guard lock(error_mutex);
                if (first_error.empty()) first_error = x.what();
            } catch (const std::exception& x) {
                std::lock_guard lock(error_mutex);
                if (first_error.empty()) first_error = x.what();
            }
            return;
        }
        model_calls += r.usage.model_calls;
        count_retries(r.calls);
        (r.output == final_text ? ok : failed)++;
    };

    rusage before{}, after{};
    getrusage(RUSAGE_SELF, &before);
    const double startup_cpu = seconds(before.ru_utime) + seconds(before.ru_stime);
    const double base_rss = rss_mb();
    double rss_after_1000 = 0;
    const auto t0 = timeline.start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration setup{};
    std::size_t opened = 0;
    rusage after_setup{};

    if (sequential) {
        // Leak check: one run after another through one process.
        boost::asio::io_context io{1};
        boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
            for (long i = 0; i < n; ++i) {
                try {
                    Result<std::string> r = co_await one_run(agent, consumer);
                    done(nullptr, r);
                } catch (...) {
                    done(std::current_exception(), {});
                }
                if (i + 1 == 1000) rss_after_1000 = rss_mb();
            }
        }, boost::asio::detached);
        io.run();
    } else {
        // Phase one (timed apart): open N connections; phase two: start the N runs.
        auto runs = [&](auto executor_for_run) -> boost::asio::awaitable<void> {
            if (preconnect) {
                opened = co_await model->preconnect(static_cast<std::size_t>(n));
                setup = std::chrono::steady_clock::now() - t0;
                getrusage(RUSAGE_SELF, &after_setup);
            }
            for (long i = 0; i < n; ++i) boost::asio::co_spawn(executor_for_run(), one_run(agent, consumer), done);
        };
        if (threads <= 1) {
            boost::asio::io_context io{1};
            boost::asio::co_spawn(io, runs([&] { return io.get_executor(); }), boost::asio::detached);
            io.run();
        } else {
            boost::asio::thread_pool pool(threads);
            boost::asio::co_spawn(pool, runs([&] { return boost::asio::make_strand(pool); }), boost::asio::detached);
            pool.join();
        }
    }

    std::size_t metrics_bytes = tracing ? tracing->prometheus().size() : 0;
    if (exporter) {
        boost::asio::co_spawn(export_io, exporter->shutdown(), boost::asio::use_future).get();
        export_guard.reset();
        export_thread->join();
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    getrusage(RUSAGE_SELF, &after);
    boost::json::object line{{"peer", std::string("agentroute-cpp") + (http2 ? "" : "-http1") + (stream ? "-stream" : "") +
                                          (consumer == Consumer::on_event    ? "-on_event"
                                           : consumer == Consumer::pull      ? "-pull"
                                           : consumer == Consumer::pull_text ? "-pull_text"
                                                                             : "") +
                                          (!sequential && !preconnect ? "-lazy" : "") + (tree ? "-tree" : "") +
                                          (exporter ? "-traced" : tracing ? "-traced-unexported" : "") +
                                          (threads > 1 ? "-t" + std::to_string(threads) : "") +
                                          (std::getenv("BENCH_LABEL") ? std::getenv("BENCH_LABEL") : "")},
                             {"n", n},
                             {"ok", ok.load()},
                             {"failed", failed.load()},
                             {"wall_s", round3(wall)},
                             {"cpu_user_s", round3(seconds(after.ru_utime) - seconds(before.ru_utime))},
                             {"cpu_sys_s", round3(seconds(after.ru_stime) - seconds(before.ru_stime))},
                             {"peak_rss_mb", round3(static_cast<double>(after.ru_maxrss) / 1024.0)},
                             {"model_calls", model_calls.load()},
                             {"attempts_per_call", static_cast<std::int64_t>(model->options().retry.max_attempts)},
                             {"retries", retries.load()},
                             {"tool_runs", tool_runs.load()},
                             {"base_rss_mb", round3(base_rss)},
                             {"startup_cpu_s", round3(startup_cpu)}};
    if (!sequential && preconnect) {
        const double setup_s = std::chrono::duration<double>(setup).count();
        line["setup_s"] = round3(setup_s);
        line["run_s"] = round3(wall - setup_s);
        line["preconnected"] = static_cast<std::int64_t>(opened);
        line["setup_peak_rss_mb"] = round3(static_cast<double>(after_setup.ru_maxrss) / 1024.0);
        line["setup_cpu_s"] = round3(seconds(after_setup.ru_utime) + seconds(after_setup.ru_stime) -
                                     seconds(before.ru_utime) - seconds(before.ru_stime));
    }
    if (!sequential) {
        line["first_answer_p10_s"] = round3(Timeline::percentile(timeline.first_answers, 0.1));
        line["first_answer_p90_s"] = round3(Timeline::percentile(timeline.first_answers, 0.9));
        line["done_p10_s"] = round3(Timeline::percentile(timeline.ends, 0.1));
        line["done_p50_s"] = round3(Timeline::percentile(timeline.ends, 0.5));
        line["done_p90_s"] = round3(Timeline::percentile(timeline.ends, 0.9));
    }
    if (sequential) {
        line["rss_after_1000_mb"] = round3(rss_after_1000);
        line["rss_end_mb"] = round3(rss_mb());
    }
    if (tracing) line["metrics_bytes"] = static_cast<std::int64_t>(metrics_bytes);
    if (exporter) {
        const telemetry::OtlpStats stats = exporter->stats();
        line["spans_exported"] = static_cast<std::int64_t>(stats.exported);
        line["spans_dropped"] = static_cast<std::int64_t>(stats.dropped_queue_full + stats.dropped_refused);
        line["otlp_requests"] = static_cast<std::int64_t>(stats.requests);
        if (!stats.last_error.empty()) line["otlp_last_error"] = stats.last_error.substr(0, 300);
    }
    if (!first_error.empty()) line["first_error"] = first_error.substr(0, 300);
    std::cout << boost::json::serialize(line) << std::endl;
    return 0;
}
