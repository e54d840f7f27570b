// Bad requests get OpenAI's error object with the status an OpenAI client expects, and a
// message that says what to fix; a run that fails answers the status of its failure.

#include "http_client.hpp"
#include "served.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace agentroute;
using agentroute::test::chat;
using agentroute::test::get;
using agentroute::test::HttpCall;
using agentroute::test::HttpClient;
using agentroute::test::Served;
using agentroute::testkit::FakeOpenRouter;
namespace json = boost::json;

namespace {

struct Refusal {
    std::string body;
    int status;
    std::string message_has;
    std::string param;  // "" for null
};

class ServeErrors : public ::testing::Test {
protected:
    void SetUp() override {
        served.server().add(Served::agent_on(fake, "support", {.max_cost = 1e-9}));
        served.server().add(Served::agent_on(fake, "helper"));
        served.start();
        client = std::make_unique<HttpClient>(served.port());
    }

    // The reply is an OpenAI error object; returns its `error`.
    json::object expect_error(const agentroute::test::HttpReply& reply, int status) {
        EXPECT_EQ(reply.status, status) << reply.body;
        EXPECT_EQ(reply.header("content-type"), "application/json");
        json::error_code ec;
        const json::value v = json::parse(reply.body, ec);
        if (ec || !v.is_object() || !v.as_object().contains("error")) {
            ADD_FAILURE() << "not an error object: " << reply.body;
            return {};
        }
        const json::object& e = v.at("error").as_object();
        EXPECT_TRUE(e.at("message").is_string());
        EXPECT_TRUE(e.at("type").is_string());
        EXPECT_TRUE(e.contains("param"));
        EXPECT_TRUE(e.contains("code"));
        return e;
    }

    FakeOpenRouter fake;
    Served served;
    std::unique_ptr<HttpClient> client;
};

}  // namespace

TEST_F(ServeErrors, EachWrongBodyIsA400NamingWhatIsWrong) {
    const std::vector<Refusal> cases = {
        {R"({"model":"helper","messages":[{"role":"user","content":"hi"}])", 400, "not JSON", ""},
        {R"([1,2])", 400, "JSON object", ""},
        {R"({"messages":[{"role":"user","content":"hi"}]})", 400, "model", "model"},
        {R"({"model":"helper"})", 400, "messages", "messages"},
        {R"({"model":"helper","messages":[]})", 400, "at least one", "messages"},
        {R"({"model":"helper","messages":[{"role":"user","content":"hi"}],"frobnicate":1})", 400,
         "Unrecognized request argument supplied: frobnicate", "frobnicate"},
        {R"({"model":"helper","messages":[{"role":"user","content":"hi"}],"temperature":"hot"})", 400,
         "temperature must be", "temperature"},
        {R"({"model":"helper","messages":[{"role":"wizard","content":"hi"}]})", 400, "wizard", "messages[0].role"},
        {R"({"model":"helper","messages":[{"role":"user"}]})", 400, "needs content", "messages[0].content"},
        {R"({"model":"helper","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yes"}]})", 400,
         "last message", "messages"},
        {R"({"model":"helper","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"x"}}]})",
         400, "no client tools", "tools"},
        {R"({"model":"helper","messages":[{"role":"user","content":"hi"}],"n":3})", 400, "n must be 1", "n"},
        {R"({"model":"helper","messages":[{"role":"user","content":[{"type":"hologram"}]}]})", 400, "hologram",
         "messages[0].content[0].type"},
        {R"({"model":"nobody","messages":[{"role":"user","content":"hi"}]})", 404, "nobody", "model"},
    };
    for (const Refusal& c : cases) {
        SCOPED_TRACE(c.body);
        const json::object e = expect_error(client->request(chat(c.body)), c.status);
        if (e.empty()) continue;
        EXPECT_NE(std::string(e.at("message").as_string()).find(c.message_has), std::string::npos) << e;
        EXPECT_EQ(e.at("type"), "invalid_request_error");
        if (c.param.empty()) {
            EXPECT_TRUE(e.at("param").is_null()) << e;
        } else {
            EXPECT_EQ(e.at("param"), c.param.c_str());
        }
    }
    EXPECT_EQ(fake.chat_requests(), 0u) << "no refused request reached the model";
    // The connection outlived every refusal.
    EXPECT_EQ(client->request(get("/healthz")).status, 200);
}

TEST_F(ServeErrors, UnknownRoutesAndWrongMethods) {
    expect_error(client->request(get("/v1/embeddings")), 404);
    const auto post_models = client->request(HttpCall{"POST", "/v1/models", "{}", {}});
    expect_error(post_models, 405);
    EXPECT_EQ(post_models.header("allow"), "GET");
    const auto get_chat = client->request(get("/v1/chat/completions"));
    expect_error(get_chat, 405);
    EXPECT_EQ(get_chat.header("allow"), "POST");
}

TEST_F(ServeErrors, ARunOverItsBudgetAnswers402) {
    const auto reply = client->request(chat(R"({"model":"support","messages":[{"role":"user","content":"hi"}]})"));
    const json::object e = expect_error(reply, 402);
    EXPECT_EQ(e.at("code"), "budget_exceeded");
    EXPECT_EQ(fake.chat_requests(), 0u) << "the estimate alone is past the ceiling: refused before spending";
    EXPECT_NE(served.server().metrics().find("agentroute_serve_runs_total{agent=\"support\",outcome=\"failed\"} 1"),
              std::string::npos);
}

TEST_F(ServeErrors, AnUpstreamFailureIsA502ThatNamesNoSecret) {
    fake.push_fault({.kind = testkit::FakeFault::Kind::status, .status = 400});
    const json::object e = expect_error(client->request(chat(R"({"model":"helper","messages":[{"role":"user","content":"hi"}]})")), 400);
    EXPECT_EQ(e.at("code"), "model_refused_request");
    fake.push_fault({.kind = testkit::FakeFault::Kind::status, .status = 401});
    const auto auth = client->request(chat(R"({"model":"helper","messages":[{"role":"user","content":"hi"}]})"));
    const json::object a = expect_error(auth, 500);
    EXPECT_EQ(a.at("code"), "upstream_auth");
    EXPECT_EQ(auth.body.find("sk-or-v1"), std::string::npos);
    fake.push_fault({.kind = testkit::FakeFault::Kind::garbage_json});
    const json::object garbage = expect_error(client->request(chat(R"({"model":"helper","messages":[{"role":"user","content":"hi"}]})")), 502);
    EXPECT_EQ(garbage.at("code"), "upstream_bad_answer");
}

TEST_F(ServeErrors, AFailureAfterTheStreamStartedIsAnErrorEvent) {
    fake.push_fault({.kind = testkit::FakeFault::Kind::error_in_stream});
    const auto reply = client->request(chat(R"({"model":"helper","stream":true,"messages":[{"role":"user","content":"hi"}]})"));
    ASSERT_EQ(reply.status, 200);
    const auto events = agentroute::test::sse_data(reply.body);
    ASSERT_FALSE(events.empty()) << reply.body;
    const json::value last = json::parse(events.back());
    ASSERT_TRUE(last.as_object().contains("error")) << reply.body;
    EXPECT_TRUE(last.at("error").at("message").is_string());
    EXPECT_EQ(client->request(get("/healthz")).status, 200) << "the connection is still usable";
}
