// Real clients, unmodified: the official `openai` npm package and the Vercel AI SDK
// (`ai` + `@ai-sdk/openai-compatible`) run in Node against a server this test starts, and
// `curl -N` reads a stream as it comes. The packages come from tests/clients/package-lock.json
// through scripts/install-deps.sh.

#include "metrics_text.hpp"
#include "served.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <thread>

using namespace agentroute;
using namespace std::chrono_literals;
using agentroute::test::metric;
using agentroute::test::Served;
using agentroute::testkit::FakeOpenRouter;
using agentroute::testkit::FakeOpenRouterOptions;
namespace json = boost::json;

namespace {

const std::filesystem::path clients_dir = AGENTROUTE_CLIENTS_DIR;

struct Output {
    int status = -1;
    std::string text;
};

// Runs `command` through the shell (bounded by timeout(1)) and keeps its standard output.
Output run(const std::string& command) {
    Output out;
    FILE* pipe = ::popen(("timeout 120 " + command).c_str(), "r");
    if (!pipe) return out;
    std::array<char, 4096> chunk{};
    while (const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), pipe)) out.text.append(chunk.data(), n);
    out.status = ::pclose(pipe);
    return out;
}

json::value run_node(const std::string& script, std::uint16_t port) {
    if (!std::filesystem::exists(clients_dir / "node_modules")) {
        ADD_FAILURE() << "tests/clients/node_modules is missing: scripts/install-deps.sh installs it (npm ci)";
        return nullptr;
    }
    const Output out = run("node " + (clients_dir / script).string() + " http://127.0.0.1:" + std::to_string(port) + "/v1");
    EXPECT_EQ(out.status, 0) << out.text;
    json::error_code ec;
    json::value v = json::parse(out.text, ec);
    EXPECT_FALSE(ec) << out.text;
    return v;
}

class NodeClients : public ::testing::Test {
protected:
    void SetUp() override {
        served.server().add(Served::agent_on(fast, "support"));
        served.server().add(Served::agent_on(slow, "slow"));
        served.start();
    }
    FakeOpenRouter fast;
    FakeOpenRouter slow{FakeOpenRouterOptions{.latency = 3s}};
    Served served;
    const std::string answer = FakeOpenRouterOptions{}.final_text;
};

}  // namespace

TEST_F(NodeClients, TheOpenAIPackage) {
    const json::value out = run_node("openai_client.mjs", served.port());
    if (out.is_null()) return;
    EXPECT_EQ(out.at("whole").at("object"), "chat.completion");
    EXPECT_EQ(out.at("whole").at("content").as_string(), answer.c_str());
    EXPECT_EQ(out.at("whole").at("finish_reason"), "stop");
    EXPECT_GT(out.at("whole").at("usage").at("completion_tokens").as_int64(), 0);

    EXPECT_EQ(out.at("streamed").at("content").as_string(), answer.c_str());
    EXPECT_GE(out.at("streamed").at("chunks").as_int64(), 3);
    EXPECT_EQ(out.at("streamed").at("finish_reason"), "stop");
    EXPECT_GT(out.at("streamed").at("usage").at("total_tokens").as_int64(), 0);
    EXPECT_EQ(out.at("helper").at("content").as_string(), answer.c_str());

    EXPECT_EQ(out.at("models"), json::parse(R"(["slow","support"])"));
    EXPECT_EQ(out.at("not_found").at("status"), 404);
    EXPECT_EQ(out.at("not_found").at("kind"), "NotFoundError");
    EXPECT_EQ(out.at("not_found").at("code"), "model_not_found");

    EXPECT_EQ(out.at("aborted").at("aborted"), true) << out;
    EXPECT_EQ(out.at("aborted").at("chunks"), 1) << "aborted after the first chunk";
    // The aborted answer's run was cancelled, long before the slow model would have ended it.
    const std::string cancelled = R"(agentroute_serve_runs_total{agent="slow",outcome="cancelled"})";
    for (int i = 0; i < 1000 && !metric(served.server().metrics(), cancelled); ++i) std::this_thread::sleep_for(1ms);
    const auto m = served.server().metrics();
    EXPECT_EQ(metric(m, cancelled), 1) << m;
    EXPECT_EQ(metric(m, R"(agentroute_serve_runs_total{agent="slow",outcome="completed"})"), 0) << m;
    EXPECT_EQ(metric(m, R"(agentroute_serve_runs_total{agent="support",outcome="completed"})"), 3);
}

TEST_F(NodeClients, TheVercelAiSdk) {
    const json::value out = run_node("ai_sdk_client.mjs", served.port());
    if (out.is_null()) return;
    EXPECT_EQ(out.at("whole").at("text").as_string(), answer.c_str());
    EXPECT_EQ(out.at("whole").at("finish_reason"), "stop");
    EXPECT_GT(out.at("whole").at("usage").at("outputTokens").as_int64(), 0);
    EXPECT_EQ(out.at("streamed").at("text").as_string(), answer.c_str());
    EXPECT_GE(out.at("streamed").at("parts").as_int64(), 1);
    EXPECT_EQ(out.at("streamed").at("finish_reason"), "stop");
    EXPECT_GT(out.at("streamed").at("usage").at("inputTokens").as_int64(), 0);
    EXPECT_EQ(out.at("not_found").at("status"), 404) << out;
}

TEST_F(NodeClients, CurlReadsTheStreamAsItComes) {
    const std::string body =
        R"({"model":"support","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]})";
    const Output out = run("curl -sS -N --max-time 30 -H 'Content-Type: application/json' -d '" + body +
                           "' http://127.0.0.1:" + std::to_string(served.port()) + "/v1/chat/completions");
    ASSERT_EQ(out.status, 0) << out.text;
    EXPECT_TRUE(out.text.starts_with("data: {")) << out.text;
    EXPECT_TRUE(out.text.ends_with("data: [DONE]\n\n")) << out.text;
    EXPECT_NE(out.text.find(R"("usage":{)"), std::string::npos);
    // -N: curl writes each event as it arrives; the chunks were each their own HTTP chunk.
    const Output verbose = run("curl -sS -N --max-time 30 --raw -H 'Content-Type: application/json' -d '" + body +
                               "' http://127.0.0.1:" + std::to_string(served.port()) + "/v1/chat/completions");
    EXPECT_GE(std::count(verbose.text.begin(), verbose.text.end(), '\r'), 6) << "chunked framing, one chunk an event";
}
