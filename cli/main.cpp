// agentroute: log in, run an agent, list models, serve the loopback fake OpenRouter.

#include "args.hpp"

#include <cstring>
#include <iostream>
#include <string>

namespace {

constexpr const char* help = R"(usage: agentroute <command> [options]

commands:
  login        store an OpenRouter key in ~/.agentroute/config (mode 0600)
  run          run a prompt against a model and print the output and usage
  models       list the model catalogue with prices
  serve        serve agents behind an OpenAI-compatible HTTP API (--config agents.json)
  fake-server  serve the loopback HTTPS fake OpenRouter (for tests and offline use)

`agentroute <command> --help` describes each command.

exit codes: 0 ok, 1 failure, 2 usage error, 3 configuration (key, model, URL),
            4 stopped by a guard (max_cost, max_turns, retries), 5 HTTP/network/protocol error,
            130 interrupted (SIGINT/SIGTERM cancelled the run; what it spent is printed)
)";

}  // namespace

int main(int argc, char** argv) {
    using namespace agentroute::cli;
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
        std::cout << help;
        return argc < 2 ? usage_error : ok;
    }
    const std::string command = argv[1];
    try {
        if (command == "login") {
            return cmd_login(Args(argc, argv, 2, {"help", "stdin", "no-check"}, {"base-url", "ca-file"}));
        }
        if (command == "run") {
            return cmd_run(Args(argc, argv, 2, {"help", "json", "no-stream"},
                                {"model", "instructions", "max-cost", "max-turns", "mcp-stdio", "mcp-http"}));
        }
        if (command == "models") return cmd_models(Args(argc, argv, 2, {"help", "json"}, {}));
        if (command == "serve") {
            return cmd_serve(Args(argc, argv, 2, {"help", "offline"},
                                  {"config", "host", "port", "threads", "offline-latency-ms"}));
        }
        if (command == "fake-server") {
            return cmd_fake_server(Args(argc, argv, 2, {"help", "https", "http", "no-http2"},
                                        {"host", "port", "latency-ms", "price", "threads", "workers", "replay",
                                         "cert-dir", "api-key", "tool-calls", "fault-rate", "fault-seed",
                                         "fault-seconds", "extra-latency-ms"}));
        }
        throw UsageError("unknown command '" + command + "'");
    } catch (...) {
        return report(std::current_exception());
    }
}
