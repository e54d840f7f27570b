#include "args.hpp"

#include <agentroute/net/fake_openrouter.hpp>

#include <boost/json.hpp>

#include <csignal>
#include <iostream>
#include <sys/resource.h>

namespace agentroute::cli {

int cmd_fake_server(const Args& args) {
    if (args.flag("help")) {
        std::cout << R"(usage: agentroute fake-server [--port N] [--host ADDR] [--latency-ms N] [--price USD]
                              [--threads N] [--replay DIR] [--cert-dir DIR] [--api-key KEY]
                              [--no-http2] [--tool-calls N] [--fault-rate P] [--fault-seed N]
                              [--fault-seconds S] [--extra-latency-ms N]

Serves the loopback HTTPS fake OpenRouter until SIGINT or SIGTERM. Prints one JSON line
{"ready":true,"url":...,"ca":...} when listening: point clients at url and trust ca
(AGENTROUTE_BASE_URL / AGENTROUTE_CA_FILE). On exit prints {"event":"exit","served":...}.
Answers HTTP/2 to clients that offer it, as OpenRouter does; --no-http2: HTTP/1.1 only.
--tool-calls N: the scenario's tool-call answer calls the first offered tool N times at once.
--replay DIR: serve the recordings of DIR (shared/fixtures/openrouter's format), each to the
request that identifies it (model, messages, stream, tools, response_format); recordings of
one request are served in turn, and listed on stderr at start.
--fault-rate P: each chat request gets a random fault with probability P (429, 5xx, resets,
truncated, stalled or erroring streams, garbage; seeded by --fault-seed), for the first
--fault-seconds S only when given; --extra-latency-ms N: answers wait up to N ms more, at
random. For soaks (bench/soak.sh).
)";
        return ok;
    }
    // Block the stop signals before threads start, then wait for one.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    rlimit files{};
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;  // many concurrent clients
        setrlimit(RLIMIT_NOFILE, &files);
    }

    testkit::FakeOpenRouterOptions o;
    o.host = args.value("host").value_or("127.0.0.1");
    o.port = static_cast<std::uint16_t>(args.number("port", 0));
    o.latency = std::chrono::milliseconds(static_cast<long long>(args.number("latency-ms", 0)));
    o.price_per_token = args.number("price", o.price_per_token);
    o.threads = static_cast<unsigned>(args.number("threads", args.number("workers", 1)));
    if (args.flag("http")) throw UsageError("fake-server speaks HTTPS only");
    o.replay_dir = args.value("replay").value_or("");
    o.cert_dir = args.value("cert-dir").value_or("");
    o.api_key = args.value("api-key").value_or("");
    o.http2 = !args.flag("no-http2");
    o.tool_calls_per_answer = static_cast<int>(args.number("tool-calls", 1));
    if (o.tool_calls_per_answer < 1) throw UsageError("--tool-calls must be at least 1");
    o.random_fault_rate = args.number("fault-rate", 0);
    if (o.random_fault_rate < 0 || o.random_fault_rate > 1) throw UsageError("--fault-rate must be between 0 and 1");
    o.random_fault_seed = static_cast<std::uint64_t>(args.number("fault-seed", 1));
    o.random_faults_for = std::chrono::milliseconds(static_cast<long long>(args.number("fault-seconds", 0) * 1000));
    o.random_extra_latency = std::chrono::milliseconds(static_cast<long long>(args.number("extra-latency-ms", 0)));
    testkit::FakeOpenRouter fake(o);
    for (const auto& group : fake.replay_collisions()) {
        std::cerr << "replay: these recordings are of one request and are served in turn:";
        for (const auto& file : group) std::cerr << ' ' << file;
        std::cerr << '\n';
    }
    std::cout << boost::json::serialize(boost::json::object{
                     {"ready", true}, {"url", fake.base_url()}, {"ca", fake.ca_file()}, {"port", fake.port()},
                     {"recordings", fake.replay_recordings()}})
              << std::endl;
    int signal = 0;
    sigwait(&stop, &signal);
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
    // The same exit line as shared/peers/fake_openrouter.mjs, so its driver can use this server.
    std::cout << boost::json::serialize(boost::json::object{{"event", "exit"},
                                                            {"served", fake.chat_requests()},
                                                            {"connections", fake.connections()},
                                                            {"tls_handshakes", fake.connections()},
                                                            {"tls_resumed", fake.resumed_handshakes()},
                                                            {"http2_connections", fake.http2_connections()},
                                                            {"bad_requests", 0},
                                                            {"cpu_user_s", secs(usage.ru_utime)},
                                                            {"cpu_sys_s", secs(usage.ru_stime)},
                                                            {"peak_rss_mb", static_cast<double>(usage.ru_maxrss) / 1024.0},
                                                            {"billed_usd", fake.billed_usd()},
                                                            {"random_faults", fake.random_faults()}})
              << std::endl;
    std::cerr << "served " << fake.chat_requests() << " requests\n";
    return ok;
}

}  // namespace agentroute::cli
