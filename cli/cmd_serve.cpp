#include "args.hpp"
#include "serve_config.hpp"

#include <agentroute/api_key.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/serve/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json.hpp>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

namespace agentroute::cli {

namespace asio = boost::asio;

namespace {

constexpr const char* help = R"(usage: agentroute serve [--config FILE] [--host ADDR] [--port N] [--threads N]
                       [--offline] [--offline-latency-ms N]

Serves agents behind an OpenAI-compatible HTTP API (POST /v1/chat/completions, GET /v1/models,
GET /v1/conversations/{id}, /healthz, /readyz, /metrics) until SIGINT or SIGTERM, then drains:
no new connections, runs in flight finish (up to limits.drain_timeout_ms), exit 0.

--config FILE   the agents and limits (docs/serving.md); without it, one agent "assistant"
                on anthropic/claude-sonnet-4.5 with its conversations in RAM
--host, --port  over the file's listen.host / listen.port (default 127.0.0.1:8080; 0: any)
--threads N     I/O threads (default: one per core)
--offline       the agents call the built-in loopback OpenRouter stand-in (the default when
                no key is set); --offline-latency-ms N makes its answers slow

Prints {"ready":true,"url":...,"agents":[...]} once listening, then one JSON access-log line
per request (unless the file says "access_log": false).
)";

// Points every model name at a loopback fake: the stand-in has every model.
std::unique_ptr<testkit::FakeOpenRouter> start_offline(std::chrono::milliseconds latency) {
    auto fake = std::make_unique<testkit::FakeOpenRouter>(testkit::FakeOpenRouterOptions{.latency = latency});
    ::setenv("AGENTROUTE_BASE_URL", fake->base_url().c_str(), 1);
    ::setenv("AGENTROUTE_CA_FILE", fake->ca_file().c_str(), 1);
    ::setenv("AGENTROUTE_API_KEY", "sk-or-offline", 1);
    std::cerr << "agentroute serve: no key set (or --offline): the agents call the built-in loopback OpenRouter at "
              << fake->base_url() << "\n";
    return fake;
}

}  // namespace

int cmd_serve(const Args& args) {
    if (args.flag("help")) {
        std::cout << help;
        return ok;
    }
    if (!args.positional().empty()) throw UsageError("serve takes no arguments: the agents come from --config");
    std::unique_ptr<testkit::FakeOpenRouter> offline;
    if (args.flag("offline") || !find_api_key()) {
        offline = start_offline(std::chrono::milliseconds(static_cast<long long>(args.number("offline-latency-ms", 0))));
    }
    const unsigned threads = static_cast<unsigned>(args.number("threads", std::max(1u, std::thread::hardware_concurrency())));
    if (threads < 1) throw UsageError("--threads must be at least 1");
    asio::io_context io(static_cast<int>(threads));
    ServeConfig config = args.value("config") ? read_serve_config(*args.value("config"), io.get_executor())
                                              : default_serve_config("anthropic/claude-sonnet-4.5");
    if (auto host = args.value("host")) config.server.host = *host;
    if (args.value("port")) {
        const double port = args.number("port", 0);
        if (port < 0 || port > 65535) throw UsageError("--port must be 0 to 65535");
        config.server.port = static_cast<std::uint16_t>(port);
    }
    auto log_mutex = std::make_shared<std::mutex>();
    if (config.access_log) {
        config.server.access_log = [log_mutex](std::string_view line) {
            const std::lock_guard lock(*log_mutex);
            std::cout << line << '\n' << std::flush;
        };
    }

    serve::Server server(io.get_executor(), config.server);
    boost::json::array names;
    for (ServedAgentConfig& a : config.agents) {
        names.emplace_back(a.options.name.empty() ? a.agent.options().name : a.options.name);
        server.add(std::move(a.agent), std::move(a.options));
    }
    server.listen();
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&server](const boost::system::error_code& ec, int) {
        if (!ec) server.drain();
    });
    const bool tls = config.server.tls.has_value();
    std::string host = config.server.host;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    {
        const std::lock_guard lock(*log_mutex);
        const std::string base = std::string(tls ? "https://" : "http://") + host + ":" + std::to_string(server.port());
        boost::json::object ready{{"ready", true},
                                  {"url", base + "/v1"},
                                  {"port", server.port()},
                                  {"agents", std::move(names)},
                                  {"offline", offline != nullptr}};
        if (config.server.mcp) ready["mcp_url"] = base + config.server.mcp_path;
        std::cout << boost::json::serialize(ready) << std::endl;
    }
    std::exception_ptr failed;
    asio::co_spawn(io, server.run(), [&](std::exception_ptr e) {
        failed = e;
        signals.cancel();
        // Drained: the spans of the last runs go out (or are given up on) before the exit.
        if (config.exporter) asio::co_spawn(io, config.exporter->shutdown(), asio::detached);
        for (const auto& client : config.mcp_clients) asio::co_spawn(io, client->close(), asio::detached);
    });
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : pool) t.join();
    if (failed) std::rethrow_exception(failed);
    std::cerr << "agentroute serve: drained\n";
    return ok;
}

}  // namespace agentroute::cli
