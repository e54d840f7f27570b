// Every recording in shared/fixtures/openrouter replays through the fake into the real client:
// parsed, with the right text, tool calls, usage, cost and error type. The folder is listed at
// run time, so a new recording needs no code change. Expectations are computed here from the
// recording with a deliberately simple reading of the body, independent of the client's parser.

#include <agentroute/errors.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <agentroute_test/fake_model.hpp>
#include <agentroute_test/fixtures.hpp>
#include <agentroute_test/recorded_answer.hpp>
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
using agentroute::test::Expected;
using agentroute::test::expected_from;
using agentroute::test::expect_error_type;
using agentroute::test::str;

std::vector<std::string> fixture_files() {
    std::vector<std::string> files;
    if (!fs::exists(fixtures_dir())) return files;
    for (const auto& e : fs::directory_iterator(fixtures_dir())) {
        if (e.path().extension() == ".json") files.push_back(e.path().filename().string());
    }
    std::sort(files.begin(), files.end());
    return files;
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
