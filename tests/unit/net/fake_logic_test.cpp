// The fake's request reading and answers without sockets: what it keeps from a chat request
// (one SAX pass), and what it answers to a body it cannot use.

#include "chat_facts.hpp"
#include "fake_logic.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using agentroute::testkit::FakeOpenRouterOptions;
using agentroute::testkit::detail::ChatFacts;
using agentroute::testkit::detail::FakeLogic;
using agentroute::testkit::detail::FakeRequest;
using agentroute::testkit::detail::Plan;
using agentroute::testkit::detail::read_chat_facts;
namespace json = boost::json;

namespace {

ChatFacts facts_of(std::string_view body, boost::system::error_code& ec) {
    ChatFacts facts{json::storage_ptr()};
    read_chat_facts(body, facts, ec);
    return facts;
}

ChatFacts facts_of(std::string_view body) {
    boost::system::error_code ec;
    ChatFacts facts = facts_of(body, ec);
    EXPECT_FALSE(ec) << ec.message() << " in " << body;
    return facts;
}

Plan chat(FakeLogic& logic, std::string body) {
    FakeRequest request;
    request.method = "POST";
    request.target = "/api/v1/chat/completions";
    request.body = std::move(body);
    return logic.handle(request);
}

std::string body_of(const Plan& plan) {
    std::string out;
    for (const auto& c : plan.chunks) out += c;
    return out;
}

constexpr std::string_view two_tools = R"({
  "model": "m", "stream": true,
  "messages": [{"role": "system", "content": "role: tool"}, {"role": "user", "content": "hi", "meta": {"role": "tool"}}],
  "tools": [
    {"type": "function", "function": {"name": "lookup_ticket", "parameters":
      {"type": "object", "properties": {"id": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}}},
       "required": ["id", "tags"], "additionalProperties": false, "x": [1, -2, 3.5, null, true]}}},
    {"type": "function", "function": {"name": "second", "parameters": {"type": "string"}}}
  ]
})";

}  // namespace

TEST(FakeChatFacts, KeepsTheStreamFlagTheFirstToolAndItsParameters) {
    const ChatFacts facts = facts_of(two_tools);
    EXPECT_TRUE(facts.stream);
    EXPECT_TRUE(facts.has_tools);
    EXPECT_EQ(facts.tool_name, "lookup_ticket");
    EXPECT_FALSE(facts.tool_result_seen) << "only messages[i].role counts, not content or nested keys";
    const json::value whole = json::parse(two_tools);
    ASSERT_TRUE(facts.has_parameters);
    EXPECT_EQ(facts.parameters, whole.at("tools").at(0).at("function").at("parameters"));
}

TEST(FakeChatFacts, SeesAToolResultInAnyMessage) {
    const ChatFacts facts = facts_of(
        R"({"messages":[{"role":"user","content":"x"},{"role":"tool","tool_call_id":"c","content":"ok"}],"stream":false})");
    EXPECT_TRUE(facts.tool_result_seen);
    EXPECT_FALSE(facts.stream);
    EXPECT_FALSE(facts.has_tools);
    EXPECT_FALSE(facts.has_parameters);
}

TEST(FakeChatFacts, ReadsEscapedKeysAndValuesWhole) {
    // Escapes make the parser hand over keys and strings in parts.
    const ChatFacts facts = facts_of(
        R"({"mess\u0061ges":[{"r\u006fle":"t\u006fol"}],"tools":[{"function":{"n\u0061me":"look\"up",)"
        R"("parameters":{"type":"obj\u0065ct","required":["\u0069d"]}}}]})");
    EXPECT_TRUE(facts.tool_result_seen);
    EXPECT_EQ(facts.tool_name, "look\"up");
    ASSERT_TRUE(facts.has_parameters);
    EXPECT_EQ(facts.parameters, json::parse(R"({"type":"object","required":["id"]})"));
}

TEST(FakeChatFacts, RefusesWhatIsNotOneJsonObject) {
    for (std::string_view body : {"", "not json", "[1,2]", "\"text\"", "42", R"({"a":1} {"b":2})", R"({"a":)"}) {
        boost::system::error_code ec;
        facts_of(body, ec);
        EXPECT_TRUE(ec) << body;
    }
    boost::system::error_code ec;
    facts_of(" {\"a\":1}\r\n ", ec);
    EXPECT_FALSE(ec) << "whitespace around the object is fine";
}

TEST(FakeLogic, AnswersABodyThatIsNotAnObjectWith400) {
    FakeLogic logic(FakeOpenRouterOptions{});
    for (std::string body : {"[1,2]", "not json", "null"}) {
        const Plan plan = chat(logic, body);
        EXPECT_EQ(plan.status, 400) << body;
        EXPECT_NE(body_of(plan).find("not a JSON object"), std::string::npos) << body_of(plan);
    }
}

TEST(FakeLogic, AnswersAToolWithoutANameWith400) {
    FakeLogic logic(FakeOpenRouterOptions{});
    const Plan plan = chat(logic, R"({"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}]})");
    EXPECT_EQ(plan.status, 400);
    EXPECT_NE(body_of(plan).find("tools[0].function.name"), std::string::npos) << body_of(plan);
}

TEST(FakeLogic, CallsTheFirstToolWithItsRequiredArgumentsThenAnswers) {
    FakeLogic logic(FakeOpenRouterOptions{});
    std::string request(two_tools);
    request.replace(request.find("\"stream\": true"), 14, "\"stream\": false");
    const Plan call = chat(logic, request);
    ASSERT_EQ(call.status, 200);
    const json::value answer = json::parse(body_of(call));
    const json::value& message = answer.at("choices").at(0).at("message");
    EXPECT_EQ(message.at("tool_calls").at(0).at("function").at("name"), "lookup_ticket");
    EXPECT_EQ(json::parse(message.at("tool_calls").at(0).at("function").at("arguments").as_string()),
              json::parse(R"({"id":1,"tags":[]})"));
    EXPECT_GT(answer.at("usage").at("cost").to_number<double>(), 0.0);

    const Plan done = chat(logic, R"({"messages":[{"role":"tool","content":"ok"}],"tools":[{"function":{"name":"t"}}]})");
    const json::value final_answer = json::parse(body_of(done));
    EXPECT_EQ(final_answer.at("choices").at(0).at("message").at("content").as_string(), FakeOpenRouterOptions{}.final_text);
    EXPECT_EQ(final_answer.at("choices").at(0).at("finish_reason"), "stop");
}

TEST(FakeLogic, StreamsTextCutOnlyBetweenUtf8Characters) {
    FakeOpenRouterOptions options;
    // Two- to four-byte characters, so that byte tenths would fall inside them.
    options.final_text = "Тикет №4821 заблокирован 🚧: диск переполнен, ротация журналов — готово ✅";
    FakeLogic logic(options);
    const Plan plan = chat(logic, R"({"stream":true,"messages":[{"role":"tool","content":"ok"}]})");
    ASSERT_EQ(plan.status, 200);
    std::string text;
    int events = 0;
    const std::string body = body_of(plan);
    for (std::size_t at = body.find("data: {"); at != std::string::npos; at = body.find("data: {", at + 1)) {
        const std::size_t end = body.find("\n\n", at);
        boost::system::error_code ec;  // json::parse refuses invalid UTF-8
        const json::value event = json::parse(std::string_view(body).substr(at + 6, end - at - 6), ec);
        ASSERT_FALSE(ec) << ec.message() << " in event " << events;
        ++events;
        const json::array& choices = event.at("choices").as_array();
        if (!choices.empty()) text += json::value_to<std::string>(choices.at(0).at("delta").at("content"));
    }
    EXPECT_GT(events, 10);
    EXPECT_EQ(text, options.final_text);
}
