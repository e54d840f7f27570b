#include <agentroute/agent.hpp>
#include <agentroute/testing/scripted_model.hpp>

#include <agentroute_test/run_co.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

using namespace agentroute;
using agentroute::test::expect_error;
using agentroute::testkit::ScriptedModel;

namespace {

struct Ticket {
    std::string summary;
    std::string priority;
};
BOOST_DESCRIBE_STRUCT(Ticket, (), (summary, priority))

Ticket check_priority(RunContext&, Ticket output) {
    if (output.priority != "low" && output.priority != "medium" && output.priority != "high") {
        throw Retry("priority must be one of: low, medium, high");
    }
    return output;
}

}  // namespace

TEST(StructuredOutput, SchemaGoesToTheModelAndTheAnswerIsParsed) {
    auto model = std::make_shared<ScriptedModel>(
        std::vector{ScriptedModel::text(R"({"summary":"disk full","priority":"high"})")});
    Agent<Ticket> agent({.name = "triage", .model = model});
    auto result = agent.run_sync("Export fails");
    EXPECT_EQ(result.output.summary, "disk full");
    EXPECT_EQ(result.output.priority, "high");
    ASSERT_TRUE(model->requests()[0].output.has_value());
    EXPECT_EQ(model->requests()[0].output->schema, json_schema<Ticket>());
    EXPECT_EQ(to_string(result), R"({"summary":"disk full","priority":"high"})");
}

TEST(StructuredOutput, ValidatorRetryFeedsTheMessageBack) {
    auto model = std::make_shared<ScriptedModel>(
        std::vector{ScriptedModel::text(R"({"summary":"s","priority":"urgent"})"),
                    ScriptedModel::text(R"({"summary":"s","priority":"high"})")});
    Agent<Ticket> agent({.name = "triage", .model = model, .retries = 2});
    agent.output_validator(check_priority);
    auto result = agent.run_sync("go");
    EXPECT_EQ(result.output.priority, "high");
    const Message feedback = model->requests()[1].messages.back();
    EXPECT_EQ(feedback.role, Role::user);
    EXPECT_EQ(feedback.content, "priority must be one of: low, medium, high");
}

TEST(StructuredOutput, ValidatorRetriesPastTheBoundEndInErrorRetries) {
    auto model = std::make_shared<ScriptedModel>(
        std::vector{ScriptedModel::text(R"({"summary":"s","priority":"urgent"})"),
                    ScriptedModel::text(R"({"summary":"s","priority":"urgent"})")});
    Agent<Ticket> agent({.name = "triage", .model = model});  // retries = 1
    agent.output_validator(check_priority);
    auto e = expect_error<ErrorRetries>([&] { agent.run_sync("go"); });
    EXPECT_EQ(e.usage().model_calls, 2);
    EXPECT_EQ(e.last_message(), "priority must be one of: low, medium, high");
}

TEST(StructuredOutput, ValidatorsRunInOrderAndMayReplaceTheOutput) {
    auto model = std::make_shared<ScriptedModel>(
        std::vector{ScriptedModel::text(R"({"summary":"s","priority":"HIGH"})")});
    Agent<Ticket> agent({.name = "triage", .model = model});
    std::vector<int> order;
    agent.output_validator([&](Ticket t) {
        order.push_back(1);
        for (char& c : t.priority) c = static_cast<char>(std::tolower(c));
        return t;
    });
    agent.output_validator([&](RunContext& ctx, Ticket t) -> boost::asio::awaitable<Ticket> {
        order.push_back(2);
        boost::asio::steady_timer timer(ctx.executor(), std::chrono::milliseconds(1));
        co_await timer.async_wait(boost::asio::use_awaitable);
        co_return check_priority(ctx, std::move(t));
    });
    EXPECT_EQ(agent.run_sync("go").output.priority, "high");
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(StructuredOutput, MalformedJsonIsRetried) {
    auto model = std::make_shared<ScriptedModel>(
        std::vector{ScriptedModel::text(R"({"summary": "s", "priority": )"),
                    ScriptedModel::text("```json\n{\"summary\":\"s\",\"priority\":\"low\"}\n```")});
    Agent<Ticket> agent({.name = "triage", .model = model});
    EXPECT_EQ(agent.run_sync("go").output.priority, "low");
    EXPECT_NE(model->requests()[1].messages.back().content.find("not valid JSON"),
              std::string::npos);
}

TEST(StructuredOutput, SchemaViolationsAreRetriedWithThePath) {
    auto model = std::make_shared<ScriptedModel>(
        std::vector{ScriptedModel::text(R"({"summary":"s"})"),
                    ScriptedModel::text(R"({"summary":"s","priority":"low"})")});
    Agent<Ticket> agent({.name = "triage", .model = model});
    agent.run_sync("go");
    EXPECT_NE(model->requests()[1].messages.back().content.find("priority: required field is missing"),
              std::string::npos);
}

TEST(StructuredOutput, ValidatorExceptionsFailTheRun) {
    auto model = std::make_shared<ScriptedModel>(
        std::vector{ScriptedModel::text(R"({"summary":"s","priority":"low"})")});
    Agent<Ticket> agent({.name = "triage", .model = model});
    agent.output_validator([](Ticket) -> Ticket { throw std::invalid_argument("bad"); });
    auto e = expect_error<ErrorTool>([&] { agent.run_sync("go"); });
    EXPECT_EQ(e.tool(), "output validator");
    EXPECT_EQ(e.usage().model_calls, 1);
}
