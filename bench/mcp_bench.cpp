// Tool-call overhead through MCP, side by side in one invocation: the same echo called by 100
// concurrent callers on one thread, as
//   direct       a C++ tool of an agent (Agent::json_tools), no protocol at all
//   stdio        server-everything's echo over stdio (Node.js child)
//   http         server-everything's echo over Streamable HTTP on loopback (Node.js child)
//   ours-http    McpServer's echo on serve::Server in this process, over Streamable HTTP
//   ours-stdio   McpServer's echo in a child (tests' conformance server --stdio)
// Prints calls/s, this process's CPU per call, the server child's CPU per call, and each
// mode's ratio to direct.
// usage: agentroute_bench_mcp [calls per mode, default 20000] [conformance server binary]

#include "mcp_servers.hpp"

#include <agentroute/agent.hpp>
#include <agentroute/mcp/mcp_client.hpp>
#include <agentroute/mcp/mcp_server.hpp>
#include <agentroute/serve/server.hpp>
#include <agentroute/testing/function_model.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/describe/class.hpp>
#include <boost/json.hpp>

#include <cstdio>
#include <iostream>
#include <sys/resource.h>

using namespace agentroute;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr int callers = 100;

struct EchoArgs {
    std::string message;
};
BOOST_DESCRIBE_STRUCT(EchoArgs, (), (message))

double cpu_seconds(int who) {
    rusage u{};
    ::getrusage(who, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Figures {
    std::string mode;
    double calls_per_s = 0;
    double our_cpu_us = 0;
    double server_cpu_us = 0;
};

using CallOnce = std::function<asio::awaitable<void>()>;

asio::awaitable<void> caller(CallOnce call, int calls, std::shared_ptr<int> left) {
    for (int i = 0; i < calls; ++i) co_await call();
    --*left;
}

// Runs `calls` calls from `callers` coroutines on `io` (after a warm-up), then `finish`.
Figures measure(asio::io_context& io, std::string mode, const CallOnce& call, int calls,
                const std::function<asio::awaitable<void>()>& finish) {
    auto run = [&](int n) {
        auto left = std::make_shared<int>(callers);
        for (int c = 0; c < callers; ++c) asio::co_spawn(io, caller(call, n / callers, left), asio::detached);
        io.restart();
        while (*left > 0) io.run_one();
    };
    run(callers * 10);  // connected, warm
    const double self_before = cpu_seconds(RUSAGE_SELF);
    const auto started = std::chrono::steady_clock::now();
    run(calls);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double self_cpu = cpu_seconds(RUSAGE_SELF) - self_before;
    const double children_before = cpu_seconds(RUSAGE_CHILDREN);
    if (finish) {
        auto done = asio::co_spawn(io, finish(), asio::use_future);
        io.restart();
        while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one_for(std::chrono::milliseconds(20));
        done.get();
    }
    Figures f;
    f.mode = std::move(mode);
    f.calls_per_s = calls / wall;
    f.our_cpu_us = self_cpu / calls * 1e6;
    // A reaped child's CPU (its warm-up included, so slightly high).
    f.server_cpu_us = (cpu_seconds(RUSAGE_CHILDREN) - children_before) / (calls + callers * 10) * 1e6;
    return f;
}

json::object echo_args() {
    json::object a;
    a["message"] = "hello";
    return a;
}

// Plain coroutines taking shared_ptrs: GCC 12 mishandles lambda coroutines with captures.
asio::awaitable<void> call_mcp(std::shared_ptr<mcp::McpClient> client) {
    json::object args = echo_args();
    mcp::McpToolResult r = co_await client->call_tool("echo", std::move(args));
    if (r.is_error) throw std::runtime_error("echo failed: " + r.text);
}

asio::awaitable<void> call_direct(std::shared_ptr<const JsonTool> tool) {
    RunContext ctx("bench", "tools", nullptr, co_await asio::this_coro::executor);
    const json::value args = echo_args();
    std::string text = co_await tool->invoke(ctx, args);
    if (text.empty()) throw std::runtime_error("no echo");
}

CallOnce mcp_call(std::shared_ptr<mcp::McpClient> client) {
    return [client]() { return call_mcp(client); };
}

}  // namespace

int main(int argc, char** argv) {
    const int calls = argc > 1 ? std::max(callers, std::atoi(argv[1]) / callers * callers) : 20'000;
    const std::string ours_binary = argc > 2 ? argv[2] : "";
    asio::io_context io;
    std::vector<Figures> rows;

    auto unused = std::make_shared<testkit::FunctionModel>([](const ModelRequest&) { return ModelResponse{}; });
    Agent<> agent({.name = "tools", .model = unused});
    agent.tool("echo", "Echoes the message.", [](RunContext&, const EchoArgs& a) { return "Echo: " + a.message; });
    const JsonTool direct = agent.json_tools().front();
    {
        auto tool = std::make_shared<const JsonTool>(direct);
        CallOnce call = [tool]() { return call_direct(tool); };
        rows.push_back(measure(io, "direct C++ tool", call, calls, {}));
    }
    {
        auto client = mcp::McpClient::stdio(io.get_executor(), test::everything_stdio());
        rows.push_back(measure(io, "server-everything stdio", mcp_call(client), calls, [client] { return client->close(); }));
    }
    {
        auto server = std::make_unique<test::EverythingHttp>();
        auto client = mcp::McpClient::http(io.get_executor(), server->server());
        Figures f = measure(io, "server-everything Streamable HTTP", mcp_call(client), calls, [client] { return client->close(); });
        const double before = cpu_seconds(RUSAGE_CHILDREN);
        server.reset();  // reaped: its CPU joins RUSAGE_CHILDREN
        f.server_cpu_us = (cpu_seconds(RUSAGE_CHILDREN) - before) / (calls + callers * 10) * 1e6;
        rows.push_back(f);
    }
    {
        auto offered = std::make_shared<mcp::McpServer>();
        offered->tool(agent.json_tools().front());
        serve::ServeOptions options;
        options.port = 0;
        options.mcp = offered;
        serve::Server server(io.get_executor(), options);
        server.listen();
        asio::co_spawn(io, server.run(), asio::detached);
        auto client = mcp::McpClient::http(io.get_executor(), {.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/mcp"});
        Figures f = measure(io, "agentroute McpServer Streamable HTTP (in process)", mcp_call(client), calls,
                            [client] { return client->close(); });
        f.server_cpu_us = 0;  // inside our CPU figure: client and server share this process
        rows.push_back(f);
        server.drain();
        io.restart();
        io.run_for(std::chrono::milliseconds(200));
    }
    if (!ours_binary.empty()) {
        auto client = mcp::McpClient::stdio(io.get_executor(), {.command = ours_binary, .args = {"--stdio"}});
        rows.push_back(measure(io, "agentroute McpServer stdio (child)", mcp_call(client), calls, [client] { return client->close(); }));
    }

    std::printf("%d calls per mode, %d concurrent callers, one thread\n", calls, callers);
    std::printf("%-52s %12s %16s %18s %10s\n", "mode", "calls/s", "our CPU us/call", "server CPU us/call", "vs direct");
    for (const Figures& f : rows) {
        std::printf("%-52s %12.0f %16.2f %18.2f %9.1fx\n", f.mode.c_str(), f.calls_per_s, f.our_cpu_us, f.server_cpu_us,
                    rows[0].calls_per_s / f.calls_per_s);
    }
}
