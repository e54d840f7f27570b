// The MCP client against servers that misbehave (tests/mcp/scripted_server.py): a crash, a
// hang, garbage, an endless line; and the protocol's corners: the stateless revision, paged
// and changing tool lists, isError results, the server's stderr.

#include "mcp_servers.hpp"

#include <agentroute/agent.hpp>
#include <agentroute/mcp/mcp_client.hpp>
#include <agentroute/testing/scripted_model.hpp>

#include <agentroute_test/run_co.hpp>
#include <agentroute_test/temp_dir.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace agentroute;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using agentroute::test::expect_error;

namespace {

template <class T>
T run_on(asio::io_context& io, asio::awaitable<T> task) {
    auto future = asio::co_spawn(io, std::move(task), asio::use_future);
    test::run_until_ready(io, future, 30s);
    return future.get();
}

boost::json::object add(double a, double b) { return boost::json::object{{"a", a}, {"b", b}}; }

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST(McpFaults, ALegacyServerIsProbedThenInitialized) {
    asio::io_context io;
    auto client = mcp::McpClient::stdio(io.get_executor(), test::scripted_stdio("legacy"));
    EXPECT_EQ(run_on(io, client->call_tool("add", add(2, 3))).text, "5");
    EXPECT_EQ(client->protocol_version(), "2025-06-18");
    EXPECT_EQ(client->server_name(), "scripted-legacy");
    run_on(io, client->close());
}

TEST(McpFaults, AModernServerIsSpokenToStatelesslyWithMetadataOnEveryRequest) {
    test::TempDir dir;
    const std::string transcript = (dir.path() / "transcript.jsonl").string();
    asio::io_context io;
    mcp::StdioServer server = test::scripted_stdio("modern");
    server.env.emplace_back("MCP_TRANSCRIPT", transcript);
    auto client = mcp::McpClient::stdio(io.get_executor(), server);
    const auto result = run_on(io, client->call_tool("add", add(1, 1)));
    EXPECT_EQ(result.text, "2");
    ASSERT_TRUE(result.structured);
    EXPECT_EQ(result.structured->at("sum").to_number<double>(), 2);
    EXPECT_EQ(client->protocol_version(), "2026-07-28");
    EXPECT_EQ(client->server_name(), "scripted-modern");
    run_on(io, client->close());
    std::istringstream lines(read_file(transcript));
    std::string line;
    int requests = 0;
    while (std::getline(lines, line)) {
        const auto message = boost::json::parse(line).as_object();
        EXPECT_NE(message.at("method"), "initialize");  // no handshake in this revision
        const auto& meta = message.at("params").at("_meta");
        EXPECT_EQ(meta.at("io.modelcontextprotocol/protocolVersion"), "2026-07-28");
        EXPECT_EQ(meta.at("io.modelcontextprotocol/clientInfo").at("name"), "agentroute");
        EXPECT_TRUE(meta.as_object().contains("io.modelcontextprotocol/clientCapabilities"));
        ++requests;
    }
    EXPECT_EQ(requests, 3);  // server/discover, tools/list, tools/call
}

TEST(McpFaults, AServerThatCrashesMidCallIsReportedNotReplayedAndRestartedForTheNextCall) {
    test::TempDir dir;
    asio::io_context io;
    auto client = mcp::McpClient::stdio(io.get_executor(), test::scripted_stdio("crash_once", (dir.path() / "crashed").string()));
    run_on(io, client->connect());
    const auto started = std::chrono::steady_clock::now();
    const auto e = expect_error<mcp::ErrorMcp>([&] { run_on(io, client->call_tool("add", add(1, 2))); });
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    EXPECT_TRUE(e.may_have_run());
    EXPECT_NE(std::string(e.what()).find("exited with status 3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not sent again"), std::string::npos) << e.what();
    EXPECT_NE(client->server_log().find("crashing on purpose"), std::string::npos) << client->server_log();
    EXPECT_EQ(run_on(io, client->call_tool("add", add(1, 2))).text, "3");
    EXPECT_EQ(client->connections(), 2);
    run_on(io, client->close());
}

TEST(McpFaults, AServerThatWritesGarbageEndsTheCallWithATypedError) {
    asio::io_context io;
    auto client = mcp::McpClient::stdio(io.get_executor(), test::scripted_stdio("garbage"));
    const auto e = expect_error<mcp::ErrorMcp>([&] { run_on(io, client->call_tool("add", add(1, 2))); });
    EXPECT_NE(std::string(e.what()).find("not JSON-RPC"), std::string::npos) << e.what();
    run_on(io, client->close());
}

TEST(McpFaults, AServerThatHangsIsCutOffAtTheCallTimeoutAndToldTheCallIsCancelled) {
    test::TempDir dir;
    const std::string transcript = (dir.path() / "transcript.jsonl").string();
    asio::io_context io;
    mcp::McpClientOptions options;
    options.call_timeout = 300ms;
    mcp::StdioServer server = test::scripted_stdio("hang");
    server.env.emplace_back("MCP_TRANSCRIPT", transcript);
    auto client = mcp::McpClient::stdio(io.get_executor(), server, options);
    run_on(io, client->connect());
    const auto started = std::chrono::steady_clock::now();
    const auto e = expect_error<mcp::ErrorMcp>([&] { run_on(io, client->call_tool("add", add(1, 2))); });
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_GE(took, 300ms);
    EXPECT_LT(took, 2s);
    EXPECT_NE(std::string(e.what()).find("no answer"), std::string::npos) << e.what();
    run_on(io, client->ping());  // the server itself still answers
    run_on(io, client->close());
    const std::string seen = read_file(transcript);
    EXPECT_NE(seen.find(R"("method":"notifications/cancelled","params":{"requestId":4,"reason":"timed out"})"), std::string::npos)
        << seen;
}

TEST(McpFaults, AnEndlessLineIsCutOffAtTheMessageLimitAndTheServerStopped) {
    asio::io_context io;
    mcp::McpClientOptions options;
    options.max_message_bytes = 1 << 20;
    auto client = mcp::McpClient::stdio(io.get_executor(), test::scripted_stdio("huge"), options);
    run_on(io, client->connect());
    const auto started = std::chrono::steady_clock::now();
    const auto e = expect_error<mcp::ErrorMcp>([&] { run_on(io, client->call_tool("add", add(1, 2))); });
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_NE(std::string(e.what()).find("longer than 1048576 bytes"), std::string::npos) << e.what();
    run_on(io, client->close());
}

TEST(McpFaults, AProgramThatCannotStartIsATypedError) {
    asio::io_context io;
    auto client = mcp::McpClient::stdio(io.get_executor(), mcp::StdioServer{.command = "/nonexistent/mcp-server"});
    const auto e = expect_error<mcp::ErrorMcp>([&] { run_on(io, client->connect()); });
    EXPECT_NE(std::string(e.what()).find("/nonexistent/mcp-server"), std::string::npos) << e.what();
}

TEST(McpFaults, PagedToolListsAreReadToTheEnd) {
    asio::io_context io;
    auto client = mcp::McpClient::stdio(io.get_executor(), test::scripted_stdio("paged"));
    const auto tools = run_on(io, client->list_tools());
    EXPECT_EQ(tools.size(), 7u);
    EXPECT_EQ(tools.back().name, "extra4");
    run_on(io, client->close());
}

TEST(McpFaults, AllowAndDenyListsAndThePrefixShapeWhatAnAgentIsOffered) {
    asio::io_context io;
    mcp::McpClientOptions options;
    options.tool_prefix = "calc";
    options.deny = {"fail"};
    auto client = mcp::McpClient::stdio(io.get_executor(), test::scripted_stdio("paged"), options);
    run_on(io, client->connect());
    const auto offered = client->current_tools();
    ASSERT_EQ(offered->size(), 6u);
    EXPECT_EQ(offered->front().definition.name, "calc__add");
    for (const auto& tool : *offered) EXPECT_NE(tool.definition.name, "calc__fail");
    run_on(io, client->close());
}

TEST(McpFaults, AChangedToolListIsListedAgainAndTheNextModelCallSeesIt) {
    asio::io_context io;
    auto client = mcp::McpClient::stdio(io.get_executor(), test::scripted_stdio("list_changed"));
    run_on(io, client->connect());
    EXPECT_EQ(client->current_tools()->size(), 2u);
    run_on(io, client->call_tool("add", add(1, 2)));  // after which the server adds "late"
    for (int i = 0; i < 100 && client->current_tools()->size() < 3; ++i) io.run_for(20ms);
    ASSERT_EQ(client->current_tools()->size(), 3u);
    EXPECT_EQ(client->current_tools()->back().definition.name, "late");
    run_on(io, client->close());
}

TEST(McpFaults, AnIsErrorResultGoesBackToTheModelAsAToolErrorItCanCorrect) {
    asio::io_context io;
    auto client = mcp::McpClient::stdio(io.get_executor(), test::scripted_stdio("legacy"));
    run_on(io, client->connect());
    using testkit::ScriptStep;
    auto model = std::make_shared<testkit::ScriptedModel>(std::vector<ScriptStep>{
        testkit::ScriptedModel::tool_call("fail", "{}"), testkit::ScriptedModel::tool_call("add", R"({"a": 40, "b": 2})"), testkit::ScriptedModel::text("42")});
    Agent agent({.name = "calc", .model = model, .retries = 2});
    agent.tools(client);
    const auto result = run_on(io, agent.run("What is 40 + 2?"));
    EXPECT_EQ(result.output, "42");
    std::vector<std::string> tool_results;
    for (const Message& m : result.messages) {
        if (m.role == Role::tool) tool_results.push_back(m.content);
    }
    ASSERT_EQ(tool_results.size(), 2u);
    EXPECT_EQ(tool_results[0], "the fail tool failed, as it always does");
    EXPECT_EQ(tool_results[1], "42");
    run_on(io, client->close());
}
