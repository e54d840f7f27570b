#include "args.hpp"

#include <agentroute/agent.hpp>
#include <agentroute/mcp/mcp_client.hpp>
#include <agentroute/net/openrouter_model.hpp>
#include <agentroute/resolve_model.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>

#include <csignal>
#include <iostream>
#include <stdexcept>

namespace agentroute::cli {
namespace {

constexpr const char* help = R"(usage: agentroute run [options] PROMPT...

  --model NAME          model name or slug (default anthropic/claude-sonnet-4.5)
  --instructions TEXT   the system message
  --max-cost USD        stop the run past this cost
  --max-turns N         at most N model calls (default 10)
  --json                print {"output", "usage", "calls", "run_id"} as JSON
  --no-stream           do not stream the answer
  --mcp-stdio "CMD ARGS"  offer the tools of the MCP server this command starts (stdio)
  --mcp-http URL        offer the tools of the MCP server at this Streamable HTTP endpoint

The answer prints as it streams; tool calls are announced on stderr. Ctrl-C (or SIGTERM)
cancels the run: it ends with exit code 130 and prints what it spent.

The key comes from AGENTROUTE_API_KEY, OPENROUTER_API_KEY or ~/.agentroute/config;
AGENTROUTE_BASE_URL and AGENTROUTE_CA_FILE point it at another server (e.g. fake-server).
)";

namespace asio = boost::asio;

// Pulls the run's events as they come: text to stdout, tool calls to stderr. SIGINT and
// SIGTERM cancel the run, which still ends with its terminal event (and its usage).
asio::awaitable<Result<std::string>> print_as_it_streams(const Agent<>& agent, std::string prompt, bool quiet) {
    auto stream = agent.stream(std::move(prompt));
    const auto executor = co_await asio::this_coro::executor;
    asio::signal_set signals(executor, SIGINT, SIGTERM);
    signals.async_wait([&stream](const boost::system::error_code& ec, int) {
        if (!ec) stream.cancel();
    });
    std::optional<Result<std::string>> result;
    std::exception_ptr error;
    while (auto event = co_await stream.next()) {
        switch (event->kind) {
            case RunEvent::Kind::text_delta:
                if (!quiet) std::cout << event->text << std::flush;
                break;
            case RunEvent::Kind::tool_call:
                if (!quiet) std::cerr << "[tool " << event->call().name << " " << event->call().arguments << "]\n";
                break;
            case RunEvent::Kind::completed: result = std::move(*event->result()); break;
            case RunEvent::Kind::failed:
            case RunEvent::Kind::cancelled: error = event->error(); break;
            default: break;
        }
    }
    signals.cancel();  // its handler runs with operation_aborted and leaves the stream alone
    if (error) std::rethrow_exception(error);
    if (!result) throw std::logic_error("agentroute: the stream ended without its terminal event");
    co_return std::move(*result);
}

// The run, then the MCP servers closed (a stdio server's child stopped): until then they keep
// the context running.
asio::awaitable<Result<std::string>> run_then_close(const Agent<>& agent, std::string prompt, bool quiet,
                                                    std::vector<std::shared_ptr<mcp::McpClient>> servers) {
    std::optional<Result<std::string>> result;
    std::exception_ptr error;
    try {
        result = co_await print_as_it_streams(agent, std::move(prompt), quiet);
    } catch (...) {
        error = std::current_exception();
    }
    for (const auto& server : servers) co_await server->close();
    if (error) std::rethrow_exception(error);
    co_return std::move(*result);
}

boost::json::object usage_json(const Usage& u) {
    return {{"input_tokens", u.input_tokens},
            {"output_tokens", u.output_tokens},
            {"cached_input_tokens", u.cached_input_tokens},
            {"cache_write_tokens", u.cache_write_tokens},
            {"reasoning_tokens", u.reasoning_tokens},
            {"total_cost_usd", u.total_cost_usd},
            {"cost_estimated", u.cost_estimated},
            {"cost_unknown", u.cost_unknown},
            {"model_calls", u.model_calls}};
}

void print_json(const Result<std::string>& result) {
    boost::json::array calls;
    for (const CallUsage& c : result.calls) {
        calls.push_back({{"model", c.model},
                         {"generation_id", c.generation_id},
                         {"usage", usage_json(c.usage)},
                         {"cost_source", to_string(c.cost_source)},
                         {"latency_ms", static_cast<double>(c.latency.count()) / 1000.0},
                         {"attempts", c.attempts}});
    }
    std::cout << boost::json::serialize(boost::json::object{{"output", result.output},
                                                            {"usage", usage_json(result.usage)},
                                                            {"calls", std::move(calls)},
                                                            {"run_id", result.run_id}})
              << "\n";
}

// "node server.js --flag": the words of a command line, split at spaces ('...' and "..." keep
// theirs).
std::vector<std::string> words(const std::string& line) {
    std::vector<std::string> out;
    std::string word;
    char quote = 0;
    bool in_word = false;
    for (char c : line) {
        if (quote) {
            if (c == quote) quote = 0;
            else word.push_back(c);
        } else if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == ' ' || c == '\t') {
            if (in_word) out.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else {
            word.push_back(c);
            in_word = true;
        }
    }
    if (quote) throw UsageError("--mcp-stdio: an unclosed quote in \"" + line + "\"");
    if (in_word) out.push_back(std::move(word));
    return out;
}

// The MCP servers of --mcp-stdio and --mcp-http, their tools prefixed "mcp" and "mcp_http".
std::vector<std::shared_ptr<mcp::McpClient>> mcp_servers(asio::io_context& io, const Args& args) {
    std::vector<std::shared_ptr<mcp::McpClient>> servers;
    if (auto line = args.value("mcp-stdio")) {
        std::vector<std::string> command = words(*line);
        if (command.empty()) throw UsageError("--mcp-stdio needs a command");
        mcp::StdioServer server{.command = command.front(), .args = {command.begin() + 1, command.end()}};
        servers.push_back(mcp::McpClient::stdio(io.get_executor(), std::move(server), {.tool_prefix = "mcp"}));
    }
    if (auto url = args.value("mcp-http")) {
        servers.push_back(mcp::McpClient::http(io.get_executor(), {.url = *url}, {.tool_prefix = "mcp_http"}));
    }
    return servers;
}

}  // namespace

int cmd_run(const Args& args) {
    if (args.flag("help")) {
        std::cout << help;
        return ok;
    }
    if (args.positional().empty()) throw UsageError("run needs a prompt");
    std::string prompt;
    for (const auto& word : args.positional()) prompt += (prompt.empty() ? "" : " ") + word;

    auto model = resolve_model(args.value("model").value_or("anthropic/claude-sonnet-4.5"));
    if (args.flag("no-stream")) {
        auto* openrouter = dynamic_cast<OpenRouterModel*>(model.get());
        OpenRouterOptions o = openrouter->options();
        o.stream = false;
        model = std::make_shared<OpenRouterModel>(o);
    }
    AgentOptions options{.name = "cli", .model = model, .instructions = args.value("instructions").value_or("")};
    if (auto cost = args.value("max-cost")) options.max_cost = args.number("max-cost", 0);
    options.max_turns = static_cast<int>(args.number("max-turns", 10));
    // Before the agent: the MCP clients it holds must go before their execution context.
    asio::io_context io{1};
    Agent agent(std::move(options));

    const bool json = args.flag("json");
    const std::vector<std::shared_ptr<mcp::McpClient>> servers = mcp_servers(io, args);
    for (const auto& server : servers) agent.tools(server);
    std::optional<Result<std::string>> result;
    std::exception_ptr error;
    asio::co_spawn(io, run_then_close(agent, std::move(prompt), json, servers),
                   [&](std::exception_ptr e, std::optional<Result<std::string>> r) {
                       error = e;
                       result = std::move(r);
                   });
    io.run();
    if (error) std::rethrow_exception(error);
    if (json) {
        print_json(*result);
    } else {
        // Printed already when it streamed (the last message is the answer's text).
        if (result->messages.back().content != result->output) std::cout << result->output;
        std::cout << "\n" << result->usage << "\n";
    }
    return ok;
}

}  // namespace agentroute::cli
