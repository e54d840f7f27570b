// Partial structured output over the real client: recording 053's structured answer (gpt-4o-mini,
// a json_schema response), delivered the way OpenRouter streams (the chunk envelope of
// recording 025, one chunk per token, usage in the last chunk), over HTTPS from the loopback
// fake. None of the 71 recordings streams a structured answer, so the stream is re-framed;
// the answer, its id, model and usage are the recording's own.

#include <agentroute/agent.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <agentroute_test/fake_model.hpp>
#include <agentroute_test/fixtures.hpp>
#include <agentroute_test/run_co.hpp>
#include <boost/describe.hpp>
#include <gtest/gtest.h>

using namespace agentroute;
using K = RunEvent::Kind;
namespace json = boost::json;

namespace {

struct Article {
    std::string title;
    std::string author;
};
BOOST_DESCRIBE_STRUCT(Article, (), (title, author))

// The recorded answer's content as a tokenizer splits it: 14 pieces for its 15 completion
// tokens (the last token is the end of the message).
const std::vector<std::string> pieces{R"({")", "title", R"(":")", "Apples", " are", " tasty", R"(",")",
                                      "author", R"(":")", "Had", "ley", " Wick", "ham", R"("})"};

std::string chunk(const json::object& answer, const json::object& delta, const char* finish) {
    json::object choice{{"index", 0}, {"delta", delta}, {"finish_reason", finish ? json::value(finish) : json::value()}};
    json::object c{{"id", answer.at("id")}, {"object", "chat.completion.chunk"}, {"created", answer.at("created")},
                   {"model", answer.at("model")}, {"provider", answer.at("provider")}, {"choices", json::array{choice}}};
    return "data: " + json::serialize(c) + "\n\n";
}

testkit::RecordedResponse as_stream(const json::object& answer) {
    std::string body = ": OPENROUTER PROCESSING\n\n";
    for (const std::string& p : pieces) body += chunk(answer, {{"content", p}, {"role", "assistant"}}, nullptr);
    body += chunk(answer, {{"content", ""}, {"role", "assistant"}}, "stop");
    json::object last{{"id", answer.at("id")}, {"object", "chat.completion.chunk"}, {"created", answer.at("created")},
                      {"model", answer.at("model")}, {"choices", json::array{}}, {"usage", answer.at("usage")}};
    body += "data: " + json::serialize(last) + "\n\ndata: [DONE]\n\n";
    return testkit::RecordedResponse{200, {{"Content-Type", "text/event-stream"}}, std::move(body)};
}

}  // namespace

TEST(StreamedStructuredOutput, ARecordedAnswerStreamsItsFieldsAsTheyComplete) {
    const json::value fixture = agentroute::test::read_fixture("053-structured-output-json-schema-gpt4o-mini.json");
    const json::object answer = json::parse(fixture.at("response").at("body_text").get_string()).get_object();
    const std::string content(answer.at("choices").at(0).at("message").at("content").get_string());
    std::string joined;
    for (const std::string& p : pieces) joined += p;
    ASSERT_EQ(joined, content) << "the pieces are the recorded answer";

    testkit::FakeOpenRouter fake;
    fake.push_response(as_stream(answer));
    OpenRouterOptions o = agentroute::test::fake_options(fake, "openai/gpt-4o-mini");
    o.stream = true;
    Agent<Article> agent({.name = "summarizer", .model = std::make_shared<OpenRouterModel>(o)});

    auto stream = agent.stream("Summarize the article");
    auto events = agentroute::test::run_co([&]() -> boost::asio::awaitable<std::vector<StreamEvent<Article>>> {
        std::vector<StreamEvent<Article>> out;
        while (auto event = co_await stream.next()) out.push_back(std::move(*event));
        co_return out;
    }());

    std::vector<std::string> partials;
    std::string text;
    for (const auto& e : events) {
        if (e.kind == K::partial_output) partials.push_back(e.text);
        if (e.kind == K::text_delta) text += e.text;
    }
    EXPECT_EQ(text, content);
    // A member counts once it is whole: the title as soon as the comma after it arrives.
    EXPECT_EQ(partials, (std::vector<std::string>{R"({"title":"Apples are tasty"})",
                                                  R"({"title":"Apples are tasty","author":"Hadley Wickham"})"}));
    ASSERT_EQ(events.back().kind, K::completed);
    const Result<Article>& result = *events.back().result();
    EXPECT_EQ(result.output.title, "Apples are tasty");
    EXPECT_EQ(result.output.author, "Hadley Wickham");
    ASSERT_EQ(result.calls.size(), 1u);
    EXPECT_EQ(result.calls[0].model, "openai/gpt-4o-mini-2024-07-18");
    EXPECT_EQ(result.calls[0].generation_id, "gen-1767213722-KANLYxijHuX9QeVpSNlU");
    EXPECT_DOUBLE_EQ(result.usage.total_cost_usd, 2.325e-05);
    ASSERT_TRUE(result.calls[0].cost_details);
    EXPECT_DOUBLE_EQ(result.calls[0].cost_details->upstream_prompt_cost, 1.425e-05);
    EXPECT_EQ(result.calls[0].cost_source, CostSource::billed);
}
