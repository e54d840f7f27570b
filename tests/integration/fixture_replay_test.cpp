// Every recording in shared/fixtures/openrouter replays through the fake into the real client:
// parsed, with the right text, tool calls, usage, cost and error type. The folder is listed at
// run time, so a new recording needs no code change. Expectations are computed here from the
// recording with a deliberately simple reading of the body, independent of the client's parser.

#include <agentroute/errors.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <agentroute_test/fake_model.hpp>
#include <agentroute_test/fixtures.hpp>
#include <agentroute_test/run_co.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace agentroute;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

using agentroute::test::fixtures_dir;

std::vector<std::string> fixture_files() {
    std::vector<std::string> files;
    if (!fs::exists(fixtures_dir())) return files;
    for (const auto& e : fs::directory_iterator(fixtures_dir())) {
        if (e.path().extension() == ".json") files.push_back(e.path().filename().string());
    }
    std::sort(files.begin(), files.end());
    return files;
}

struct Expected {
    std::string text;
    std::vector<ToolCall> calls;  // id, name, arguments
    std::int64_t input_tokens = -1, output_tokens = -1;
    std::optional<double> cost;
    std::int64_t cached_tokens = 0, cache_write_tokens = 0, reasoning_tokens = 0;
    std::optional<double> upstream_cost;
    int error_status = 0;  // 0: a successful answer
};

std::int64_t count_in(const json::object& usage, std::string_view details, std::string_view key) {
    const json::value* d = usage.if_contains(details);
    const json::value* v = d && d->is_object() ? d->get_object().if_contains(key) : nullptr;
    return v && v->is_number() ? v->to_number<std::int64_t>() : 0;
}

std::string str(const json::value* v) { return v && v->is_string() ? std::string(v->get_string()) : std::string(); }

void read_usage(const json::object& root, Expected& x) {
    const json::value* u = root.if_contains("usage");
    if (!u || !u->is_object()) return;
    x.input_tokens = u->at("prompt_tokens").to_number<std::int64_t>();
    x.output_tokens = u->at("completion_tokens").to_number<std::int64_t>();
    if (const auto* c = u->get_object().if_contains("cost"); c && c->is_number()) x.cost = c->to_number<double>();
    x.cached_tokens = count_in(u->get_object(), "prompt_tokens_details", "cached_tokens");
    x.cache_write_tokens = count_in(u->get_object(), "prompt_tokens_details", "cache_write_tokens");
    x.reasoning_tokens = count_in(u->get_object(), "completion_tokens_details", "reasoning_tokens");
    if (const auto* d = u->get_object().if_contains("cost_details"); d && d->is_object()) {
        if (const auto* c = d->get_object().if_contains("upstream_inference_cost"); c && c->is_number()) {
            x.upstream_cost = c->to_number<double>();
        }
    }
}

int error_status(const json::object& error, int http) {
    if (http != 200) return http;
    const json::value* code = error.if_contains("code");
    return code && code->is_number() ? code->to_number<int>() : 500;
}

Expected expected_from(const json::object& response) {
    Expected x;
    const int status = response.at("status").to_number<int>();
    const std::string body(response.at("body_text").get_string());
    const bool sse = body.find("data:") != std::string::npos;
    if (!sse) {
        json::value v = json::parse(body);
        const json::object& root = v.get_object();
        if (const auto* error = root.if_contains("error")) {
            x.error_status = error_status(error->get_object(), status);
            return x;
        }
        read_usage(root, x);
        const json::object& message = root.at("choices").at(0).at("message").get_object();
        x.text = str(message.if_contains("content"));
        if (const auto* calls = message.if_contains("tool_calls"); calls && calls->is_array()) {
            for (const auto& c : calls->get_array()) {
                std::string args = str(c.at("function").get_object().if_contains("arguments"));
                x.calls.push_back({str(c.get_object().if_contains("id")), str(c.at("function").get_object().if_contains("name")),
                                   args.empty() ? "{}" : args});
            }
        }
        return x;
    }
    std::istringstream lines(body);
    std::string line;
    std::map<std::int64_t, ToolCall> calls;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("data:", 0) != 0) continue;
        std::string data = line.substr(5);
        if (!data.empty() && data.front() == ' ') data.erase(0, 1);
        if (data == "[DONE]") break;
        json::value v = json::parse(data);
        const json::object& root = v.get_object();
        read_usage(root, x);
        if (const auto* error = root.if_contains("error")) x.error_status = error_status(error->get_object(), 200);
        const auto* choices = root.if_contains("choices");
        if (!choices || choices->get_array().empty()) continue;
        const auto* delta = choices->get_array()[0].get_object().if_contains("delta");
        if (!delta || !delta->is_object()) continue;
        x.text += str(delta->get_object().if_contains("content"));
        if (const auto* tc = delta->get_object().if_contains("tool_calls"); tc && tc->is_array()) {
            for (const auto& c : tc->get_array()) {
                ToolCall& call = calls[c.at("index").to_number<std::int64_t>()];
                if (call.id.empty()) call.id = str(c.get_object().if_contains("id"));
                if (const auto* fn = c.get_object().if_contains("function")) {
                    if (call.name.empty()) call.name = str(fn->get_object().if_contains("name"));
                    call.arguments += str(fn->get_object().if_contains("arguments"));
                }
            }
        }
    }
    for (auto& [index, call] : calls) {
        if (call.arguments.empty()) call.arguments = "{}";
        x.calls.push_back(call);
    }
    return x;
}

void expect_error_type(int status, const std::exception& e) {
    switch (status) {
        case 400: EXPECT_NE(dynamic_cast<const ErrorBadRequest*>(&e), nullptr) << e.what(); break;
        case 401: EXPECT_NE(dynamic_cast<const ErrorAuth*>(&e), nullptr) << e.what(); break;
        case 404: EXPECT_NE(dynamic_cast<const ErrorNotFound*>(&e), nullptr) << e.what(); break;
        case 429: EXPECT_NE(dynamic_cast<const ErrorRateLimit*>(&e), nullptr) << e.what(); break;
        default: EXPECT_NE(dynamic_cast<const ErrorHttp*>(&e), nullptr) << e.what();
    }
}

class FixtureReplay : public ::testing::TestWithParam<std::string> {
protected:
    static void SetUpTestSuite() { fake_ = new agentroute::testkit::FakeOpenRouter(); }
    static void TearDownTestSuite() {
        delete fake_;
        fake_ = nullptr;
    }
    static agentroute::testkit::FakeOpenRouter* fake_;
};
agentroute::testkit::FakeOpenRouter* FixtureReplay::fake_ = nullptr;

}  // namespace

TEST_P(FixtureReplay, ParsesLikeTheRecording) {
    const json::value fixture = agentroute::test::read_fixture(GetParam());
    const json::object& request = fixture.at("request").at("body").get_object();
    const json::object& response = fixture.at("response").get_object();
    const Expected expected = expected_from(response);
    fake_->push_response(agentroute::test::recorded_response(fixture));

    OpenRouterOptions o = agentroute::test::fake_options(*fake_, str(request.if_contains("model")), "sk-or-v1-replay");
    o.stream = request.if_contains("stream") && request.at("stream") == true;
    o.retry.max_attempts = 1;  // one recording, one answer
    // Answers without a cost are priced by asking /generation, which knows none of these:
    // not for long (tests/integration/cost_sources_test.cpp covers the pricing).
    o.https.settle_timeout = std::chrono::milliseconds(50);
    OpenRouterModel model(o);
    std::vector<Message> messages{Message::user("replayed")};
    ModelRequest model_request;
    model_request.messages = messages;
    std::string streamed;
    model_request.on_text_delta = [&](std::string_view d) { streamed += d; };

    if (expected.error_status != 0) {
        try {
            agentroute::test::run_co(model.request(model_request));
            ADD_FAILURE() << "expected an error " << expected.error_status;
        } catch (const ErrorHttp& e) {
            expect_error_type(expected.error_status, e);
            EXPECT_EQ(e.status(), expected.error_status);
            if (expected.cost) {
                EXPECT_DOUBLE_EQ(e.usage().total_cost_usd, *expected.cost);
            }
        }
        return;
    }
    ModelResponse r = agentroute::test::run_co(model.request(model_request));
    EXPECT_EQ(r.message.content, expected.text);
    if (o.stream) {
        EXPECT_EQ(streamed, expected.text);
    }
    EXPECT_EQ(r.message.tool_calls, expected.calls);
    if (expected.input_tokens >= 0) {
        EXPECT_EQ(r.usage.input_tokens, expected.input_tokens);
        EXPECT_EQ(r.usage.output_tokens, expected.output_tokens);
    }
    EXPECT_EQ(r.usage.cached_input_tokens, expected.cached_tokens);
    EXPECT_EQ(r.usage.cache_write_tokens, expected.cache_write_tokens);
    EXPECT_EQ(r.usage.reasoning_tokens, expected.reasoning_tokens);
    if (expected.upstream_cost) {
        ASSERT_TRUE(r.cost_details);
        EXPECT_DOUBLE_EQ(r.cost_details->upstream_inference_cost, *expected.upstream_cost);
    }
    if (expected.cost) {
        EXPECT_DOUBLE_EQ(r.usage.total_cost_usd, *expected.cost);
        EXPECT_FALSE(r.usage.cost_estimated);
        EXPECT_EQ(r.cost_source, CostSource::billed);
    } else {
        // No cost in the answer and no bill at /generation: an estimate from the catalogue
        // (for the models it lists) or said to be unknown, never a silent $0.
        EXPECT_NE(r.cost_source, CostSource::billed);
        if (r.cost_source == CostSource::estimated) {
            EXPECT_GT(r.usage.total_cost_usd, 0);
        }
        EXPECT_EQ(r.usage.cost_unknown, r.cost_source == CostSource::unknown);
    }
    EXPECT_FALSE(r.finish_reason.empty());
    EXPECT_EQ(r.usage.model_calls, 1);
}

TEST(FixtureReplayFolder, HoldsTheRecordings) {
    EXPECT_GE(fixture_files().size(), 71u) << "fixtures folder: " << fixtures_dir();
}

INSTANTIATE_TEST_SUITE_P(Recordings, FixtureReplay, ::testing::ValuesIn(fixture_files()),
                         [](const auto& info) {
                             std::string name = info.param.substr(0, info.param.size() - 5);
                             for (char& c : name) if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return name;
                         });
