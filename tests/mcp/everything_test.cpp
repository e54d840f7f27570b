// The MCP client against @modelcontextprotocol/server-everything from npm, over stdio and over
// Streamable HTTP (each case on both): tools listed with their schemas, called, with progress,
// cancelled mid-call, timed out, shared by concurrent callers, and chosen by an agent on the
// loopback OpenRouter.

#include "mcp_servers.hpp"

#include <agentroute/agent.hpp>
#include <agentroute/mcp/mcp_client.hpp>
#include <agentroute/net/fake_openrouter.hpp>

#include <agentroute_test/fake_model.hpp>
#include <agentroute_test/run_co.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>

using namespace agentroute;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

enum class Binding { stdio, http };

class Everything : public ::testing::TestWithParam<Binding> {
protected:
    std::shared_ptr<mcp::McpClient> client(asio::io_context& io, mcp::McpClientOptions options = {}) {
        if (GetParam() == Binding::stdio) return mcp::McpClient::stdio(io.get_executor(), test::everything_stdio(), options);
        if (!http_) http_.emplace();
        return mcp::McpClient::http(io.get_executor(), http_->server(), options);
    }
    std::optional<test::EverythingHttp> http_;
};

std::string binding_name(const ::testing::TestParamInfo<Binding>& info) {
    return info.param == Binding::stdio ? "Stdio" : "StreamableHttp";
}

template <class T>
T run_on(asio::io_context& io, asio::awaitable<T> task) {
    auto future = asio::co_spawn(io, std::move(task), asio::use_future);
    test::run_until_ready(io, future, 60s);
    return future.get();
}

void run_on(asio::io_context& io, asio::awaitable<void> task) {
    auto future = asio::co_spawn(io, std::move(task), asio::use_future);
    test::run_until_ready(io, future, 60s);
    future.get();
}

boost::json::object args(std::initializer_list<std::pair<boost::json::string_view, boost::json::value_ref>> list) {
    boost::json::object o;
    for (const auto& [key, value] : list) o[key] = boost::json::value(value);
    return o;
}

}  // namespace

TEST_P(Everything, ListsItsToolsWithTheSchemasItGives) {
    asio::io_context io;
    auto everything = client(io);
    const auto tools = run_on(io, everything->list_tools());
    const auto echo = std::find_if(tools.begin(), tools.end(), [](const mcp::McpTool& t) { return t.name == "echo"; });
    ASSERT_NE(echo, tools.end());
    const auto schema = boost::json::parse(echo->input_schema);
    EXPECT_EQ(schema.at("properties").at("message").at("type"), "string");
    EXPECT_TRUE(std::any_of(tools.begin(), tools.end(), [](const mcp::McpTool& t) { return t.name == "get-sum"; }));
    EXPECT_EQ(everything->server_name(), "mcp-servers/everything");
    // server-everything speaks the session-based revisions: the probe fell back to initialize.
    EXPECT_EQ(everything->protocol_version(), "2025-11-25");
    EXPECT_EQ(everything->connections(), 1);
    run_on(io, everything->close());
}

TEST_P(Everything, CallsToolsAndReadsTheirTextAndStructuredContent) {
    asio::io_context io;
    auto everything = client(io);
    const auto echoed = run_on(io, everything->call_tool("echo", args({{"message", "hello over MCP"}})));
    EXPECT_EQ(echoed.text, "Echo: hello over MCP");
    EXPECT_FALSE(echoed.is_error);
    const auto sum = run_on(io, everything->call_tool("get-sum", args({{"a", 2}, {"b", 3}})));
    EXPECT_EQ(sum.text, "The sum of 2 and 3 is 5.");
    const auto weather = run_on(io, everything->call_tool("get-structured-content", args({{"location", "Chicago"}})));
    ASSERT_TRUE(weather.structured);
    EXPECT_TRUE(weather.structured->as_object().contains("temperature"));
    run_on(io, everything->ping());
    run_on(io, everything->close());
}

TEST_P(Everything, AnInvalidCallIsAnErrorTheCallerCanRead) {
    asio::io_context io;
    auto everything = client(io);
    std::string failure;
    bool is_error = false;
    try {
        const auto result = run_on(io, everything->call_tool("get-sum", args({{"a", "not a number"}})));
        is_error = result.is_error;
        failure = result.text;
    } catch (const mcp::ErrorMcp& e) {
        failure = e.what();
    }
    // The SDK reports bad arguments as an isError result (newer) or as -32602 (older): either
    // way it says what was wrong, and the client goes on.
    EXPECT_NE(failure.find("number"), std::string::npos) << failure;
    (void)is_error;
    EXPECT_EQ(run_on(io, everything->call_tool("echo", args({{"message", "still here"}}))).text, "Echo: still here");
    run_on(io, everything->close());
}

TEST_P(Everything, ALongRunningToolReportsItsProgress) {
    asio::io_context io;
    auto everything = client(io);
    std::vector<mcp::McpProgress> seen;
    mcp::CallOptions options;
    options.on_progress = [&](const mcp::McpProgress& p) { seen.push_back(p); };
    const auto done = run_on(io, everything->call_tool("trigger-long-running-operation",
                                                       args({{"duration", 0.4}, {"steps", 4}}), options));
    EXPECT_NE(done.text.find("completed"), std::string::npos) << done.text;
    ASSERT_EQ(seen.size(), 4u);
    EXPECT_EQ(seen.back().progress, 4);
    EXPECT_EQ(seen.back().total, 4);
    run_on(io, everything->close());
}

TEST_P(Everything, CancellingACallMidWayEndsItAtOnceAndTheClientGoesOn) {
    asio::io_context io;
    auto everything = client(io);
    run_on(io, everything->connect());
    asio::cancellation_signal cancel;
    std::exception_ptr outcome;
    bool finished = false;
    mcp::CallOptions options;
    options.on_progress = [&](const mcp::McpProgress&) { cancel.emit(asio::cancellation_type::terminal); };
    const auto started = std::chrono::steady_clock::now();
    asio::co_spawn(io, everything->call_tool("trigger-long-running-operation", args({{"duration", 20}, {"steps", 40}}), options),
                   asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, const mcp::McpToolResult&) {
                       outcome = e;
                       finished = true;
                   }));
    io.restart();
    while (!finished && io.run_one_for(10s)) {
    }
    ASSERT_TRUE(finished);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);  // 20 s had it run to the end
    ASSERT_TRUE(outcome);
    try {
        std::rethrow_exception(outcome);
    } catch (const boost::system::system_error& e) {
        EXPECT_EQ(e.code(), asio::error::operation_aborted);
    }
    EXPECT_EQ(run_on(io, everything->call_tool("echo", args({{"message", "after the cancel"}}))).text, "Echo: after the cancel");
    run_on(io, everything->close());
}

TEST_P(Everything, ACallThatOutlastsItsTimeoutIsATypedErrorAndIsCancelled) {
    asio::io_context io;
    auto everything = client(io);
    mcp::CallOptions options;
    options.timeout = 300ms;
    const auto started = std::chrono::steady_clock::now();
    const auto e = test::expect_error<mcp::ErrorMcp>([&] {
        run_on(io, everything->call_tool("trigger-long-running-operation", args({{"duration", 20}, {"steps", 2}}), options));
    });
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_NE(std::string(e.what()).find("within 300 ms"), std::string::npos) << e.what();
    EXPECT_EQ(run_on(io, everything->call_tool("echo", args({{"message", "after the timeout"}}))).text, "Echo: after the timeout");
    run_on(io, everything->close());
}

TEST_P(Everything, OneClientServesManyConcurrentCallers) {
    asio::io_context io;
    auto everything = client(io);
    constexpr int callers = 50;
    int right = 0;
    for (int i = 0; i < callers; ++i) {
        boost::json::object sum_args = args({{"a", i}, {"b", 1000}});  // not in the coroutine: GCC 12
        asio::co_spawn(io, [&, i, sum_args]() -> asio::awaitable<void> {
            const auto result = co_await everything->call_tool("get-sum", sum_args);
            if (result.text == "The sum of " + std::to_string(i) + " and 1000 is " + std::to_string(i + 1000) + ".") ++right;
        }, asio::detached);
    }
    for (int i = 0; i < 6000 && right < callers; ++i) io.run_for(10ms);
    EXPECT_EQ(right, callers);
    EXPECT_EQ(everything->connections(), 1);  // one handshake, however many waited for it
    run_on(io, everything->close());
}

TEST_P(Everything, AnAgentOnTheLoopbackOpenRouterCallsTheServersTool) {
    testkit::FakeOpenRouter fake;
    asio::io_context io;
    mcp::McpClientOptions options;
    options.tool_prefix = "everything";
    options.allow = {"echo"};  // the fake calls the first tool it is offered
    auto everything = client(io, options);
    run_on(io, everything->connect());
    ASSERT_EQ(everything->current_tools()->size(), 1u);

    Agent agent({.name = "mcp_user", .model = std::make_shared<OpenRouterModel>(test::fake_options(fake, "openai/gpt-4o-mini"))});
    agent.tools(everything);
    const auto result = run_on(io, agent.run("Echo something through the MCP server."));
    EXPECT_EQ(result.usage.model_calls, 2);
    const auto tool_result = std::find_if(result.messages.begin(), result.messages.end(),
                                          [](const Message& m) { return m.role == Role::tool; });
    ASSERT_NE(tool_result, result.messages.end());
    EXPECT_EQ(tool_result->content.rfind("Echo: ", 0), 0u) << tool_result->content;
    // The model was offered the tool under its prefixed name, with the server's own schema.
    const auto body = boost::json::parse(fake.last_request_body());
    const auto& offered = body.at("tools").at(0).at("function");
    EXPECT_EQ(offered.at("name"), "everything__echo");
    EXPECT_EQ(offered.at("parameters").at("properties").at("message").at("type"), "string");
    run_on(io, everything->close());
}

INSTANTIATE_TEST_SUITE_P(Bindings, Everything, ::testing::Values(Binding::stdio, Binding::http), binding_name);
