// McpServer over serve::Server's Streamable HTTP and over stdio, with our own MCP client as the
// counterpart (the official suite's server scenarios run in tests/mcp/conformance_server.sh):
// agents as tools with their usage, an agent's own tools, cancellation reaching the run, and
// what hostile or confused HTTP clients get.

#include "http_client.hpp"
#include "served.hpp"

#include <agentroute/mcp/mcp_client.hpp>
#include <agentroute/mcp/mcp_server.hpp>
#include <agentroute/testing/function_model.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/describe/class.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <map>

#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace agentroute;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace json = boost::json;
using test::HttpCall;
using test::HttpClient;
using test::Served;
using testkit::FakeOpenRouter;

namespace {

struct AddArgs {
    int a;
    int b;
};
BOOST_DESCRIBE_STRUCT(AddArgs, (), (a, b))

template <class T>
T run_on(asio::io_context& io, asio::awaitable<T> task) {
    auto future = asio::co_spawn(io, std::move(task), asio::use_future);
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (future.wait_for(0s) != std::future_status::ready) {
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("did not finish within 30 s");
        io.run_one_for(50ms);
    }
    return future.get();
}

serve::ServeOptions with_mcp(std::shared_ptr<mcp::McpServer> server) {
    serve::ServeOptions o = Served::quick();
    o.mcp = std::move(server);
    return o;
}

std::string url(const Served& served) { return "http://127.0.0.1:" + std::to_string(served.port()) + "/mcp"; }

const std::vector<std::pair<std::string, std::string>> both_accepted = {{"Content-Type", "application/json"},
                                                                        {"Accept", "application/json, text/event-stream"}};

HttpCall mcp_post(std::string body, std::vector<std::pair<std::string, std::string>> extra = {}) {
    HttpCall call{"POST", "/mcp", std::move(body), both_accepted};
    for (auto& h : extra) call.headers.push_back(std::move(h));
    return call;
}

constexpr const char* initialize_body =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},)"
    R"("clientInfo":{"name":"raw","version":"1"}}})";

int rpc_code(const std::string& body) { return static_cast<int>(json::parse(body).at("error").at("code").as_int64()); }

}  // namespace

TEST(McpServe, AnAgentIsAToolWithItsAnswerAndItsUsageInTheResultMeta) {
    FakeOpenRouter fake;
    asio::io_context client_io;
    auto mcp_server = std::make_shared<mcp::McpServer>();
    mcp_server->agent(Served::agent_on(fake, "support"), {.description = "Answers support questions."});
    Served with(with_mcp(mcp_server));
    with.start();

    auto client = mcp::McpClient::http(client_io.get_executor(), {.url = url(with)});
    const std::vector<mcp::McpTool> tools = run_on(client_io, client->list_tools());
    ASSERT_EQ(tools.size(), 1u);
    EXPECT_EQ(tools[0].name, "support");
    EXPECT_EQ(tools[0].description, "Answers support questions.");
    EXPECT_EQ(json::parse(tools[0].input_schema).at("required").as_array().at(0), "input");
    json::object args;
    args["input"] = "Why is ticket 4821 blocked?";
    const mcp::McpToolResult result = run_on(client_io, client->call_tool("support", args));
    EXPECT_FALSE(result.is_error) << result.text;
    EXPECT_EQ(result.text, testkit::FakeOpenRouterOptions{}.final_text);
    const json::object& usage = result.meta.at("agentroute/usage").as_object();
    EXPECT_NEAR(usage.at("cost_usd").to_number<double>(), fake.billed_usd(), 1e-12);  // every billed call counted
    EXPECT_GT(usage.at("input_tokens").as_int64(), 0);
    EXPECT_EQ(usage.at("model_calls").as_int64(), 1);
    EXPECT_EQ(client->protocol_version(), "2025-11-25");

    // A call without its input is a tool error the client's model can correct, not a run.
    const mcp::McpToolResult missing = run_on(client_io, client->call_tool("support", json::object()));
    EXPECT_TRUE(missing.is_error);
    EXPECT_EQ(fake.chat_requests(), 1u);
    run_on(client_io, client->close());
}

TEST(McpServe, AnAgentsOwnToolsAreOfferedWithTheirSchemasAndBadArgumentsAreToolErrors) {
    auto unused = std::make_shared<testkit::FunctionModel>([](const ModelRequest&) { return ModelResponse{}; });
    Agent<> agent({.name = "calc", .model = unused});
    agent.tool("add", "Adds two integers.", [](RunContext&, const AddArgs& a) { return std::to_string(a.a + a.b); });
    auto mcp_server = std::make_shared<mcp::McpServer>();
    for (JsonTool& t : agent.json_tools()) mcp_server->tool(std::move(t));
    Served served(with_mcp(mcp_server));
    served.start();

    asio::io_context io;
    auto client = mcp::McpClient::http(io.get_executor(), {.url = url(served)});
    const std::vector<mcp::McpTool> tools = run_on(io, client->list_tools());
    ASSERT_EQ(tools.size(), 1u);
    EXPECT_EQ(json::parse(tools[0].input_schema), json::parse(json_schema<AddArgs>()));
    EXPECT_EQ(run_on(io, client->call_tool("add", json::object{{"a", 40}, {"b", 2}})).text, "42");
    const mcp::McpToolResult bad = run_on(io, client->call_tool("add", json::object{{"a", "forty"}}));
    EXPECT_TRUE(bad.is_error);
    EXPECT_FALSE(bad.text.empty());
    try {
        run_on(io, client->call_tool("subtract", json::object()));
        ADD_FAILURE() << "an unknown tool must fail";
    } catch (const mcp::ErrorMcp& e) {
        EXPECT_EQ(e.code(), -32602);
    }
    run_on(io, client->close());
}

TEST(McpServe, ACancelledCallCancelsTheAgentRunBehindIt) {
    auto run_cancelled = std::make_shared<std::atomic<bool>>(false);
    auto slow = std::make_shared<testkit::FunctionModel>(
        testkit::FunctionModel::AsyncFunction([run_cancelled](const ModelRequest&) -> asio::awaitable<ModelResponse> {
            asio::steady_timer wait(co_await asio::this_coro::executor, 30s);
            auto [ec] = co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
            if (ec) run_cancelled->store(true);
            co_return ModelResponse{};
        }));
    Agent<> agent({.name = "slow", .model = slow});
    auto mcp_server = std::make_shared<mcp::McpServer>();
    mcp_server->agent(agent);
    Served served(with_mcp(mcp_server));
    served.start();

    asio::io_context io;
    auto client = mcp::McpClient::http(io.get_executor(), {.url = url(served)});
    mcp::CallOptions quick;
    quick.timeout = 300ms;  // the client gives up and sends notifications/cancelled
    EXPECT_THROW(run_on(io, client->call_tool("slow", json::object{{"input", "take your time"}}, quick)), mcp::ErrorMcp);
    for (int i = 0; i < 100 && !run_cancelled->load(); ++i) std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(run_cancelled->load()) << "the run went on after its call was cancelled";
    EXPECT_EQ(mcp_server->sessions(), 1u);
    run_on(io, client->close());
}

TEST(McpServe, HostileAndConfusedHttpClientsGetClearErrors) {
    auto mcp_server = std::make_shared<mcp::McpServer>();
    mcp_server->tool(mcp::McpServerTool{.name = "echo",
                                        .description = "Echoes",
                                        .handler = [](mcp::McpCall& call) -> asio::awaitable<json::object> {
                                            co_return mcp::text_result(json::serialize(call.arguments()));
                                        }});
    Served served(with_mcp(mcp_server));
    served.start();
    HttpClient http(served.port());

    auto reply = http.request(mcp_post("{not json"));
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(rpc_code(reply.body), -32700);
    reply = http.request(mcp_post(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])"));
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(rpc_code(reply.body), -32600);
    reply = http.request(mcp_post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})"));
    EXPECT_EQ(reply.status, 400) << "no Mcp-Session-Id";
    reply = http.request(mcp_post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", {{"Mcp-Session-Id", "made-up"}}));
    EXPECT_EQ(reply.status, 404);
    reply = http.request(HttpCall{"POST", "/mcp", initialize_body, {{"Content-Type", "application/json"}, {"Accept", "text/html"}}});
    EXPECT_EQ(reply.status, 406);
    reply = http.request(HttpCall{"POST", "/mcp", initialize_body, {{"Content-Type", "text/plain"}, {"Accept", "application/json, text/event-stream"}}});
    EXPECT_EQ(reply.status, 415);
    // DNS rebinding: a page of evil.example resolving to 127.0.0.1.
    reply = http.request(mcp_post(initialize_body, {{"Host", "evil.example"}}));
    EXPECT_EQ(reply.status, 403);
    reply = http.request(mcp_post(initialize_body, {{"Origin", "http://evil.example"}}));
    EXPECT_EQ(reply.status, 403);
    reply = http.request(HttpCall{"PUT", "/mcp", {}, {}});
    EXPECT_EQ(reply.status, 405);
    EXPECT_EQ(reply.header("allow"), "GET, POST, DELETE");

    reply = http.request(mcp_post(initialize_body));
    ASSERT_EQ(reply.status, 200) << reply.body;
    const std::string session = reply.header("mcp-session-id");
    ASSERT_EQ(session.size(), 32u);
    EXPECT_EQ(json::parse(reply.body).at("result").at("protocolVersion"), "2025-11-25");
    reply = http.request(mcp_post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", {{"Mcp-Session-Id", session}}));
    EXPECT_EQ(reply.status, 202);
    reply = http.request(mcp_post(R"({"jsonrpc":"2.0","id":3,"method":"no/such"})", {{"Mcp-Session-Id", session}}));
    EXPECT_EQ(rpc_code(reply.body), -32601);
    reply = http.request(mcp_post(R"({"jsonrpc":"2.0","id":4,"method":"ping"})",
                                  {{"Mcp-Session-Id", session}, {"MCP-Protocol-Version", "1999-01-01"}}));
    EXPECT_EQ(reply.status, 400);
    reply = http.request(mcp_post(R"({"jsonrpc":"2.0","id":{"an":"object"},"method":"ping"})", {{"Mcp-Session-Id", session}}));
    EXPECT_EQ(rpc_code(reply.body), -32600);
    reply = http.request(mcp_post(R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":"x"}})",
                                  {{"Mcp-Session-Id", session}}));
    EXPECT_EQ(reply.header("content-type"), "application/json") << "answered at once: JSON, not a stream";
    EXPECT_EQ(rpc_code(reply.body), -32602) << "arguments must be an object";
    reply = http.request(HttpCall{"DELETE", "/mcp", {}, {{"Mcp-Session-Id", session}}});
    EXPECT_EQ(reply.status, 200);
    reply = http.request(mcp_post(R"({"jsonrpc":"2.0","id":6,"method":"ping"})", {{"Mcp-Session-Id", session}}));
    EXPECT_EQ(reply.status, 404) << "a deleted session is gone";
    EXPECT_EQ(mcp_server->sessions(), 0u);
    // The server's own limits hold on this route too.
    // Announced, never sent: the server answers from the head (a client still writing a body
    // it refused could meet a closed connection).
    HttpClient big(served.port());
    big.write_head_only(5 * 1024 * 1024, "/mcp");
    EXPECT_EQ(big.read_reply().status, 413);
}

TEST(McpServe, OverStdioOneClientGetsToolsProgressAndAnswers) {
    asio::io_context io;
    auto client = mcp::McpClient::stdio(io.get_executor(), {.command = AGENTROUTE_MCP_CONFORMANCE_SERVER, .args = {"--stdio"}});
    const std::vector<mcp::McpTool> tools = run_on(io, client->list_tools());
    EXPECT_GE(tools.size(), 10u);
    EXPECT_EQ(run_on(io, client->call_tool("test_simple_text", json::object())).text, "This is a simple text response for testing.");
    int progress = 0;
    mcp::CallOptions watch;
    watch.on_progress = [&progress](const mcp::McpProgress&) { ++progress; };
    const auto done = run_on(io, client->call_tool("test_tool_with_progress", json::object(), watch));
    EXPECT_FALSE(done.is_error);
    EXPECT_EQ(progress, 3);
    const auto failed = run_on(io, client->call_tool("test_error_handling", json::object()));
    EXPECT_TRUE(failed.is_error);
    EXPECT_EQ(failed.text, "This tool intentionally returns an error for testing");
    // Our client declares no sampling capability: the tool's request is refused before it is sent.
    const auto sampled = run_on(io, client->call_tool("test_sampling", json::object{{"prompt", "hi"}}));
    EXPECT_TRUE(sampled.is_error);
    EXPECT_NE(sampled.text.find("sampling capability"), std::string::npos) << sampled.text;
    run_on(io, client->close());
}

namespace {

// The conformance server's --stdio mode as a child on two pipes, spoken to line by line.
class StdioChild {
public:
    StdioChild() {
        int in[2];
        int out[2];
        if (::pipe(in) != 0 || ::pipe(out) != 0) throw std::runtime_error("pipe");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, in[0], 0);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_addclose(&actions, in[1]);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        char program[] = AGENTROUTE_MCP_CONFORMANCE_SERVER;
        char mode[] = "--stdio";
        char* argv[] = {program, mode, nullptr};
        const int rc = ::posix_spawn(&pid_, program, &actions, nullptr, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(in[0]);
        ::close(out[1]);
        if (rc != 0) throw std::runtime_error("cannot start the conformance server");
        to_ = in[1];
        from_ = out[0];
    }
    ~StdioChild() {
        close_input();
        ::close(from_);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }

    void write(std::string_view bytes) { ASSERT_EQ(::write(to_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size())); }
    void close_input() {
        if (to_ >= 0) ::close(to_);
        to_ = -1;
    }
    /// The next line, or "" after 10 s or at end of stream.
    std::string line() {
        for (;;) {
            if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
                std::string out = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return out;
            }
            pollfd p{from_, POLLIN, 0};
            if (::poll(&p, 1, 10'000) <= 0) return {};
            char chunk[4096];
            const ssize_t n = ::read(from_, chunk, sizeof chunk);
            if (n <= 0) return {};
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

private:
    pid_t pid_ = -1;
    int to_ = -1;
    int from_ = -1;
    std::string buffer_;
};

}  // namespace

TEST(McpServe, OverStdioGarbageIsAnsweredAndTheSessionGoesOnUntilItsInputEnds) {
    StdioChild child;
    child.write("this is not json\n");
    EXPECT_EQ(rpc_code(child.line()), -32700);
    child.write("[1, 2]\n");
    EXPECT_EQ(rpc_code(child.line()), -32600);
    child.write(R"({"jsonrpc":"2.0","id":"a","method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{}}})"
                "\r\n\n   \n");
    const json::value hello = json::parse(child.line());
    EXPECT_EQ(hello.at("id"), "a");
    EXPECT_EQ(hello.at("result").at("protocolVersion"), "2024-11-05") << "an older revision the client asks for is spoken";
    // Two requests in one write, answered in order of completion, each whole on its line.
    child.write(R"({"jsonrpc":"2.0","id":1,"method":"ping"})" "\n" R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}})" "\n");
    std::map<std::int64_t, json::value> answers;
    for (int i = 0; i < 2; ++i) {
        const json::value a = json::parse(child.line());
        answers[a.at("id").as_int64()] = a;
    }
    EXPECT_TRUE(answers.at(1).at("result").as_object().empty());
    EXPECT_EQ(answers.at(2).at("result").at("content").at(0).at("text"), "Echo: hi");
    child.close_input();
    EXPECT_EQ(child.line(), "") << "the server ends with its input";
}

TEST(McpServe, ADrainEndsTheSessionsOwnStreamAtOnce) {
    auto mcp_server = std::make_shared<mcp::McpServer>();
    Served served(with_mcp(mcp_server));
    served.start();
    HttpClient http(served.port());
    const auto hello = http.request(mcp_post(initialize_body));
    const std::string session = hello.header("mcp-session-id");
    ASSERT_FALSE(session.empty());
    HttpClient listener(served.port());
    listener.write_raw("GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nMcp-Session-Id: " + session + "\r\n\r\n");
    const std::string head = listener.read_until("retry:");
    EXPECT_NE(head.find("text/event-stream"), std::string::npos) << head;
    // The stream never ends by itself; a drain must not wait for it (its timeout here is 5 s).
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(served.drain_and_wait(3s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}
