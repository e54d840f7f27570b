// POST /v1/chat/completions and GET /v1/models as OpenAI's clients read them: the answer's
// shape whole and streamed, usage in the last chunk only when asked, tools run server-side
// with their progress as SSE comments, keep-alive across answers, conversations kept by id.

#include "http_client.hpp"
#include "requests.hpp"
#include "served.hpp"

#include <agentroute/memory/memory.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>

using namespace agentroute;
using namespace agentroute::test;
using agentroute::testkit::FakeOpenRouter;
namespace json = boost::json;

namespace {

std::string streamed(bool include_usage) {
    return std::string(R"({"model":"support","stream":true,)") +
           (include_usage ? R"("stream_options":{"include_usage":true},)" : "") +
           R"("messages":[{"role":"user","content":"Why is ticket 4821 blocked?"}]})";
}

}  // namespace

TEST(ServeChat, AnswersAChatCompletionAsOpenAIShapesIt) {
    FakeOpenRouter fake;
    Served served;
    served.server().add(Served::agent_on(fake, "support"));
    served.start();

    HttpClient client(served.port());
    const auto reply = client.request(chat(hello));
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.header("content-type"), "application/json");
    const json::object answer = json::parse(reply.body).as_object();
    EXPECT_EQ(answer.at("object"), "chat.completion");
    EXPECT_TRUE(answer.at("id").as_string().starts_with("chatcmpl-"));
    EXPECT_EQ(answer.at("model"), "support");
    EXPECT_TRUE(answer.at("created").is_int64());
    const auto& choice = answer.at("choices").as_array().at(0).as_object();
    EXPECT_EQ(choice.at("index"), 0);
    EXPECT_EQ(choice.at("finish_reason"), "stop");
    EXPECT_EQ(choice.at("message").at("role"), "assistant");
    EXPECT_EQ(choice.at("message").at("content"), testkit::FakeOpenRouterOptions{}.final_text.c_str());
    const auto& usage = answer.at("usage").as_object();
    EXPECT_GT(usage.at("prompt_tokens").as_int64(), 0);
    EXPECT_GT(usage.at("completion_tokens").as_int64(), 0);
    EXPECT_EQ(usage.at("total_tokens").as_int64(),
              usage.at("prompt_tokens").as_int64() + usage.at("completion_tokens").as_int64());
    EXPECT_NEAR(usage.at("cost").to_number<double>(), fake.billed_usd(), 1e-12);
    EXPECT_EQ(fake.chat_requests(), 1u);
}

TEST(ServeChat, StreamsChunksEndingInDoneWithUsageOnlyWhenAsked) {
    FakeOpenRouter fake;
    Served served;
    served.server().add(Served::agent_on(fake, "support"));
    served.start();
    HttpClient client(served.port());

    for (const bool include_usage : {false, true}) {
        SCOPED_TRACE(include_usage ? "include_usage" : "no usage");
        const auto reply = client.request(chat(streamed(include_usage)));
        ASSERT_EQ(reply.status, 200) << reply.body;
        EXPECT_EQ(reply.header("content-type"), "text/event-stream");
        EXPECT_EQ(reply.header("transfer-encoding"), "chunked");
        EXPECT_TRUE(reply.keep_alive);
        const auto events = agentroute::test::sse_data(reply.body);
        ASSERT_GE(events.size(), 4u) << reply.body;
        EXPECT_EQ(events.back(), "[DONE]");

        std::string text;
        std::string id;
        int finish_chunks = 0, usage_chunks = 0;
        for (std::size_t i = 0; i + 1 < events.size(); ++i) {
            const json::object chunk = json::parse(events[i]).as_object();
            EXPECT_EQ(chunk.at("object"), "chat.completion.chunk");
            EXPECT_EQ(chunk.at("model"), "support");
            if (id.empty()) id = std::string(chunk.at("id").as_string());
            EXPECT_EQ(chunk.at("id").as_string(), id.c_str()) << "one id for every chunk of an answer";
            const auto& choices = chunk.at("choices").as_array();
            if (const auto* usage = chunk.if_contains("usage"); usage && !usage->is_null()) {
                ++usage_chunks;
                EXPECT_TRUE(choices.empty()) << "the usage chunk has no choices, as OpenAI sends it";
                EXPECT_EQ(i + 2, events.size()) << "usage comes last, before [DONE]";
                EXPECT_GT(usage->at("completion_tokens").as_int64(), 0);
                continue;
            }
            ASSERT_EQ(choices.size(), 1u);
            const auto& delta = choices[0].at("delta").as_object();
            if (i == 0) {
                EXPECT_EQ(delta.at("role"), "assistant");
            }
            if (const auto* content = delta.if_contains("content"); content && content->is_string()) {
                text += content->as_string();
            }
            if (!choices[0].at("finish_reason").is_null()) {
                ++finish_chunks;
                EXPECT_EQ(choices[0].at("finish_reason"), "stop");
            }
        }
        EXPECT_EQ(text, testkit::FakeOpenRouterOptions{}.final_text.c_str());
        EXPECT_EQ(finish_chunks, 1);
        EXPECT_EQ(usage_chunks, include_usage ? 1 : 0);
    }
    // Both on one connection, and an answer after them on it too.
    EXPECT_EQ(client.request(chat(hello)).status, 200);
}

TEST(ServeChat, ToolsRunOnTheServerAndTheirProgressIsACommentInTheStream) {
    FakeOpenRouter fake;
    std::atomic<int> looked_up{0};
    Agent<> agent = Served::agent_on(fake, "support");
    agent.tool("lookup_ticket", "Look a ticket up.", [&](RunContext&, const Lookup& l) {
        ++looked_up;
        return "blocked: " + l.ticket_id;
    });
    Served served;
    served.server().add(std::move(agent));
    served.start();
    HttpClient client(served.port());

    const auto whole = client.request(chat(hello));
    ASSERT_EQ(whole.status, 200) << whole.body;
    EXPECT_EQ(looked_up, 1);
    EXPECT_EQ(json::parse(whole.body).at("choices").at(0).at("message").at("content"),
              testkit::FakeOpenRouterOptions{}.final_text.c_str());
    EXPECT_EQ(fake.chat_requests(), 2u) << "the tool call and the answer";

    const auto stream = client.request(chat(streamed(true)));
    ASSERT_EQ(stream.status, 200);
    std::vector<std::string> comments;
    const auto events = agentroute::test::sse_data(stream.body, &comments);
    EXPECT_EQ(looked_up, 2);
    ASSERT_EQ(comments.size(), 1u) << stream.body;
    EXPECT_NE(comments[0].find("lookup_ticket"), std::string::npos);
    // The usage covers both model calls.
    const json::value usage = json::parse(events.at(events.size() - 2)).at("usage");
    EXPECT_NEAR(usage.at("cost").to_number<double>() + json::parse(whole.body).at("usage").at("cost").to_number<double>(),
                fake.billed_usd(), 1e-12);
}

TEST(ServeChat, ModelsListsTheAgents) {
    FakeOpenRouter fake;
    Served served;
    served.server().add(Served::agent_on(fake, "support"));
    served.server().add(Served::agent_on(fake, "billing"));
    served.start();
    HttpClient client(served.port());
    const auto reply = client.request(get("/v1/models"));
    ASSERT_EQ(reply.status, 200);
    const json::object list = json::parse(reply.body).as_object();
    EXPECT_EQ(list.at("object"), "list");
    std::vector<std::string> ids;
    for (const auto& m : list.at("data").as_array()) {
        EXPECT_EQ(m.at("object"), "model");
        EXPECT_TRUE(m.at("created").is_int64());
        EXPECT_TRUE(m.at("owned_by").is_string());
        ids.emplace_back(m.at("id").as_string());
    }
    EXPECT_EQ(ids, (std::vector<std::string>{"billing", "support"}));
}

TEST(ServeChat, TheClientsMessagesAreTheConversation) {
    FakeOpenRouter fake;
    Served served;
    served.server().add(Served::agent_on(fake, "support", {.instructions = "You are the support desk."}));
    served.start();
    HttpClient client(served.port());
    const auto reply = client.request(chat(R"({"model":"support","temperature":0.2,"seed":7,"messages":[
        {"role":"system","content":"Answer in one line."},
        {"role":"user","content":"Ticket 4821?"},
        {"role":"assistant","content":"Which part of it?"},
        {"role":"user","content":"Why is it blocked?"}]})"));
    ASSERT_EQ(reply.status, 200) << reply.body;
    const json::value sent = json::parse(fake.last_request_body());
    const auto& messages = sent.at("messages").as_array();
    ASSERT_EQ(messages.size(), 5u) << sent;
    EXPECT_EQ(messages[0].at("role"), "system");
    EXPECT_EQ(messages[0].at("content"), "You are the support desk.");
    EXPECT_EQ(messages[1].at("role"), "developer") << "the client's system message comes under the agent's";
    EXPECT_EQ(messages[1].at("content"), "Answer in one line.");
    EXPECT_EQ(messages[3].at("role"), "assistant");
    EXPECT_EQ(messages[4].at("content"), "Why is it blocked?");
    EXPECT_EQ(sent.at("temperature").to_number<double>(), 0.2);
    EXPECT_EQ(sent.at("seed"), 7);
}

TEST(ServeChat, AConversationIdContinuesOneKeptInTheAgentsMemory) {
    FakeOpenRouter fake;
    Served served;
    served.server().add(Served::agent_on(fake, "support", {.memory = std::make_shared<Memory>()}));
    served.start();
    HttpClient client(served.port());
    const std::pair<std::string, std::string> conversation{"X-Agentroute-Conversation", "c-42"};

    ASSERT_EQ(client.request(chat(hello, {conversation})).status, 200);
    const auto second = client.request(chat(R"({"model":"support","messages":[{"role":"user","content":"And now?"}]})",
                                            {conversation}));
    ASSERT_EQ(second.status, 200) << second.body;
    const json::value sent = json::parse(fake.last_request_body());
    ASSERT_EQ(sent.at("messages").as_array().size(), 3u) << "the first turn, kept by the server, then the new message";
    EXPECT_EQ(sent.at("messages").at(0).at("content"), "Why is ticket 4821 blocked?");

    const auto kept = client.request(get("/v1/conversations/c-42"));
    ASSERT_EQ(kept.status, 200) << kept.body;
    const json::object c = json::parse(kept.body).as_object();
    EXPECT_EQ(c.at("object"), "conversation");
    EXPECT_EQ(c.at("id"), "c-42");
    EXPECT_EQ(c.at("messages").as_array().size(), 4u);
    EXPECT_EQ(c.at("messages").at(3).at("role"), "assistant");
    EXPECT_EQ(client.request(get("/v1/conversations/nobody")).status, 404);

    // With the header, the server holds the history: a client that sends it too is told so.
    const auto both = client.request(chat(R"({"model":"support","messages":[{"role":"user","content":"a"},
        {"role":"assistant","content":"b"},{"role":"user","content":"c"}]})", {conversation}));
    EXPECT_EQ(both.status, 400);
    EXPECT_NE(both.body.find("X-Agentroute-Conversation"), std::string::npos) << both.body;
}
