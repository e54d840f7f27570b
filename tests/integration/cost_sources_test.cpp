// A cost ceiling that is never blind. Seven recorded OpenRouter answers carry no `usage.cost`
// (003, 004, 009, 012, 043, 048, 070). Replayed through the loopback fake, each ends with a
// known cost (OpenRouter's bill from GET /generation, or the catalogue's estimate) or one
// marked unknown; with `max_cost` set an unknown cost stops the run before its next call, and
// every call is in `Result::calls` / `ErrorAgent::calls()`, which add up to the run's usage.

#include <agentroute/agent.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <agentroute_test/fake_model.hpp>
#include <agentroute_test/fixtures.hpp>
#include <agentroute_test/usage_sum.hpp>
#include <boost/describe.hpp>
#include <gtest/gtest.h>

using namespace agentroute;
using agentroute::test::sum;
using agentroute::testkit::FakeOpenRouter;
namespace json = boost::json;

namespace {

struct Divide {
    double numerator = 0;
    double denominator = 1;
    std::optional<std::string> on_inf;
};
BOOST_DESCRIBE_STRUCT(Divide, (), (numerator, denominator, on_inf))

struct FindContent {
    std::optional<std::string> title;
};
BOOST_DESCRIBE_STRUCT(FindContent, (), (title))

constexpr double price_per_token = 0.000002;  // the fake's, for the models its catalogue lists
constexpr double billed_by_generation = 0.0123;

enum class Pricing { generation, generation_after_404, catalogue, unknown };

struct Case {
    std::string fixture;
    Pricing pricing;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) { return "F" + info.param.fixture.substr(0, 3); }
void PrintTo(const Case& c, std::ostream* os) { *os << c.fixture; }

// What the recording says of itself.
struct Recorded {
    std::string model, id;
    std::int64_t prompt = 0, completion = 0, cached = 0, reasoning = 0;
    bool tool_call = false;
};

Recorded recorded(const json::value& fixture) {
    const json::value answer = json::parse(fixture.at("response").at("body_text").get_string());
    Recorded r;
    r.model = std::string(answer.at("model").get_string());
    r.id = std::string(answer.at("id").get_string());
    const json::object& usage = answer.at("usage").get_object();
    r.prompt = usage.at("prompt_tokens").to_number<std::int64_t>();
    r.completion = usage.at("completion_tokens").to_number<std::int64_t>();
    if (const auto* d = usage.if_contains("prompt_tokens_details")) r.cached = d->at("cached_tokens").to_number<std::int64_t>();
    if (const auto* d = usage.if_contains("completion_tokens_details")) {
        r.reasoning = d->at("reasoning_tokens").to_number<std::int64_t>();
    }
    r.tool_call = answer.at("choices").at(0).at("message").get_object().contains("tool_calls");
    return r;
}

class CostSources : public ::testing::TestWithParam<Case> {
protected:
    void SetUp() override {
        fixture_ = agentroute::test::read_fixture(GetParam().fixture);
        recorded_ = recorded(fixture_);
        agentroute::testkit::FakeOpenRouterOptions fo;
        if (GetParam().pricing == Pricing::catalogue) fo.catalogue_models = {requested_model()};
        fake_ = std::make_unique<FakeOpenRouter>(fo);
        fake_->push_response(agentroute::test::recorded_response(fixture_));
        if (GetParam().pricing == Pricing::generation || GetParam().pricing == Pricing::generation_after_404) {
            fake_->add_generation(recorded_.id, billed_by_generation, recorded_.prompt, recorded_.completion,
                                  GetParam().pricing == Pricing::generation_after_404 ? 2 : 0);
        }
    }

    std::string requested_model() const {
        return std::string(fixture_.at("request").at("body").at("model").get_string());
    }

    Agent<std::string> agent(bool allow_unknown_cost) const {
        OpenRouterOptions o = agentroute::test::fake_options(*fake_, requested_model());
        o.stream = false;  // as the recordings were made
        o.https.settle_timeout = std::chrono::milliseconds(800);  // how long /generation may 404
        Agent a({.name = "replay",
                 .model = std::make_shared<OpenRouterModel>(o),
                 .max_cost = 1.0,
                 .allow_unknown_cost = allow_unknown_cost});
        a.tool("divide", "Divide two numbers.", [](RunContext&, const Divide& d) { return std::to_string(d.numerator / d.denominator); });
        a.tool("find_education_content", "Find content.", [](RunContext&, const FindContent&) { return "nothing found"; });
        return a;
    }

    // The first call's record, as the recording and the pricing say it must be.
    void expect_first_call(const CallUsage& call) const {
        EXPECT_EQ(call.model, recorded_.model);
        EXPECT_EQ(call.generation_id, recorded_.id);
        EXPECT_EQ(call.usage.input_tokens, recorded_.prompt);
        EXPECT_EQ(call.usage.output_tokens, recorded_.completion);
        EXPECT_EQ(call.usage.cached_input_tokens, recorded_.cached);
        EXPECT_EQ(call.usage.reasoning_tokens, recorded_.reasoning);
        EXPECT_EQ(call.attempts, 1);
        EXPECT_GT(call.latency.count(), 0);
        switch (GetParam().pricing) {
            case Pricing::generation:
            case Pricing::generation_after_404:
                EXPECT_EQ(call.cost_source, CostSource::generation);
                EXPECT_DOUBLE_EQ(call.usage.total_cost_usd, billed_by_generation);
                EXPECT_FALSE(call.usage.cost_estimated || call.usage.cost_unknown);
                break;
            case Pricing::catalogue:
                EXPECT_EQ(call.cost_source, CostSource::estimated);
                EXPECT_DOUBLE_EQ(call.usage.total_cost_usd,
                                 static_cast<double>(recorded_.prompt + recorded_.completion) * price_per_token);
                EXPECT_TRUE(call.usage.cost_estimated);
                EXPECT_FALSE(call.usage.cost_unknown);
                break;
            case Pricing::unknown:
                EXPECT_EQ(call.cost_source, CostSource::unknown);
                EXPECT_EQ(call.usage.total_cost_usd, 0);
                EXPECT_TRUE(call.usage.cost_unknown);
                break;
        }
    }

    json::value fixture_;
    Recorded recorded_;
    std::unique_ptr<FakeOpenRouter> fake_;
};

}  // namespace

TEST_P(CostSources, EveryCallEndsWithAKnownOrAnUnknownCostAndTheBudgetHolds) {
    Agent<std::string> a = agent(false);
    const bool stops = GetParam().pricing == Pricing::unknown && recorded_.tool_call;
    try {
        Result<std::string> result = a.run_sync("replayed");
        ASSERT_FALSE(stops) << "an unknown cost must stop the run before its next call";
        ASSERT_EQ(result.calls.size(), recorded_.tool_call ? 2u : 1u);
        expect_first_call(result.calls.front());
        EXPECT_EQ(result.usage, sum(result.calls));
        EXPECT_EQ(result.usage.cost_unknown, GetParam().pricing == Pricing::unknown);
        if (recorded_.tool_call) {
            // The fake's own answer to the tool result carries its cost.
            EXPECT_EQ(result.calls[1].cost_source, CostSource::billed);
            EXPECT_GT(result.calls[1].usage.total_cost_usd, 0);
        }
    } catch (const ErrorCostUnknown& e) {
        ASSERT_TRUE(stops) << e.what();
        EXPECT_EQ(fake_->chat_requests(), 1u) << "no call after the one whose cost is unknown";
        ASSERT_EQ(e.calls().size(), 1u);
        expect_first_call(e.calls().front());
        EXPECT_EQ(e.usage(), sum(e.calls()));
        EXPECT_TRUE(e.usage().cost_unknown);
        EXPECT_EQ(e.limit(), 1.0);
        EXPECT_NE(std::string(e.what()).find(recorded_.model), std::string::npos) << e.what();
    }
    if (GetParam().pricing != Pricing::catalogue) {
        EXPECT_GE(fake_->generation_lookups(), 1u);
    }
    if (GetParam().pricing == Pricing::generation_after_404) {
        EXPECT_EQ(fake_->generation_lookups(), 3u);
    }
}

// The recordings whose unknown cost stops a run (a tool call, so a next call is due).
class UnknownCostOptOut : public CostSources {};

TEST_P(UnknownCostOptOut, RunsOnPastTheUnknownCost) {
    ASSERT_TRUE(GetParam().pricing == Pricing::unknown && recorded_.tool_call);
    Result<std::string> result = agent(true).run_sync("replayed");
    ASSERT_EQ(result.calls.size(), 2u);
    expect_first_call(result.calls.front());
    EXPECT_TRUE(result.usage.cost_unknown);
    EXPECT_EQ(result.usage, sum(result.calls));
    EXPECT_EQ(fake_->chat_requests(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Recordings, CostSources,
                         ::testing::Values(Case{"003-plain-gemini-flash-lite-preset.json", Pricing::generation},
                                           Case{"004-plain-gemini-flash-exp-free.json", Pricing::catalogue},
                                           Case{"009-tool-call-mistral-small.json", Pricing::unknown},
                                           Case{"012-tool-call-claude-sonnet45-optional-params.json",
                                                Pricing::generation_after_404},
                                           Case{"043-reasoning-glm46.json", Pricing::catalogue},
                                           Case{"048-reasoning-claude37-thinking.json", Pricing::generation},
                                           Case{"070-provider-routing-models-fallback-grok.json", Pricing::unknown}),
                         case_name);

INSTANTIATE_TEST_SUITE_P(Recordings, UnknownCostOptOut,
                         ::testing::Values(Case{"009-tool-call-mistral-small.json", Pricing::unknown}), case_name);
