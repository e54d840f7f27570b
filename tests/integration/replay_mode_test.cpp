// The fake's replay mode on folders written here: a recording is found by the request's model,
// messages (with their parts), stream flag, tools and response format; recordings of one
// request are served in turn; a request none matches is told which recording comes closest.

#include <agentroute/content.hpp>
#include <agentroute/errors.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <agentroute_test/fake_model.hpp>
#include <agentroute_test/run_co.hpp>
#include <agentroute_test/temp_dir.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>

using namespace agentroute;
namespace json = boost::json;

namespace {

std::string answer_body(const std::string& text) {
    return json::serialize(json::object{
        {"id", "gen-" + text},
        {"model", "a/model"},
        {"choices", json::array{json::object{{"message", json::object{{"role", "assistant"}, {"content", text}}},
                                             {"finish_reason", "stop"}}}},
        {"usage", json::object{{"prompt_tokens", 3}, {"completion_tokens", 2}, {"cost", 0.0001}}}});
}

std::string streamed_body(const std::vector<std::string>& pieces) {
    std::string body = ": OPENROUTER PROCESSING\n\n";
    for (const std::string& p : pieces) {
        body += "data: " +
                json::serialize(json::object{{"id", "gen-s"},
                                             {"choices", json::array{json::object{
                                                             {"delta", json::object{{"content", p}}}, {"index", 0}}}}}) +
                "\n\n";
    }
    body += "data: " +
            json::serialize(json::object{
                {"id", "gen-s"},
                {"choices", json::array{json::object{{"delta", json::object{}}, {"finish_reason", "stop"}, {"index", 0}}}},
                {"usage", json::object{{"prompt_tokens", 3}, {"completion_tokens", 2}, {"cost", 0.0001}}}}) +
            "\n\ndata: [DONE]\n\n";
    return body;
}

void write_recording(const agentroute::test::TempDir& dir, const std::string& name, json::object request,
                     const std::string& body, int status = 200) {
    const json::object fixture{{"request", json::object{{"method", "POST"}, {"body", std::move(request)}}},
                               {"response", json::object{{"status", status}, {"headers", json::object{}}, {"body_text", body}}}};
    std::ofstream(dir.file(name)) << json::serialize(fixture);
}

json::array user(const std::string& text) { return json::array{json::object{{"role", "user"}, {"content", text}}}; }

struct Replay {
    explicit Replay(const agentroute::test::TempDir& dir) : fake([&] {
        testkit::FakeOpenRouterOptions o;
        o.replay_dir = dir.path().string();
        return o;
    }()) {}

    ModelResponse ask(const std::string& model_name, std::vector<Message> messages, bool stream = false,
                      std::vector<ToolDefinition> tools = {}, const OutputSchema* output = nullptr,
                      std::string* streamed = nullptr) {
        OpenRouterOptions o = agentroute::test::fake_options(fake, model_name, "sk-or-v1-replay");
        o.stream = stream;
        o.retry.max_attempts = 1;
        OpenRouterModel model(o);
        ModelRequest request;
        request.messages = messages;
        request.tools = tools;
        request.output = output;
        if (streamed) request.on_text_delta = [streamed](std::string_view d) { *streamed += d; };
        return agentroute::test::run_co(model.request(request));
    }

    testkit::FakeOpenRouter fake;
};

}  // namespace

TEST(ReplayMode, TheModelIsPartOfARequestsIdentity) {
    agentroute::test::TempDir dir;
    write_recording(dir, "001.json", {{"model", "a/one"}, {"messages", user("hi")}}, answer_body("from one"));
    write_recording(dir, "002.json", {{"model", "a/two"}, {"messages", user("hi")}}, answer_body("from two"));
    Replay replay(dir);
    EXPECT_EQ(replay.ask("a/two", {Message::user("hi")}).message.content, "from two");
    EXPECT_EQ(replay.ask("a/one", {Message::user("hi")}).message.content, "from one");
    EXPECT_TRUE(replay.fake.replay_collisions().empty());
}

TEST(ReplayMode, RecordingsOfOneRequestAreServedInTurnAndListed) {
    agentroute::test::TempDir dir;
    write_recording(dir, "010-first.json", {{"model", "a/m"}, {"messages", user("again")}}, answer_body("first"));
    write_recording(dir, "020-second.json", {{"model", "a/m"}, {"messages", user("again")}, {"temperature", 0.2}},
                    answer_body("second"));
    Replay replay(dir);
    const std::vector<std::vector<std::string>> collisions{{"010-first.json", "020-second.json"}};
    EXPECT_EQ(replay.fake.replay_collisions(), collisions);
    EXPECT_EQ(replay.ask("a/m", {Message::user("again")}).message.content, "first");
    EXPECT_EQ(replay.ask("a/m", {Message::user("again")}).message.content, "second");
    EXPECT_EQ(replay.ask("a/m", {Message::user("again")}).message.content, "first");  // and round again
}

TEST(ReplayMode, AStreamedRequestGetsTheStreamedRecordingEventByEvent) {
    agentroute::test::TempDir dir;
    write_recording(dir, "a.json", {{"model", "a/m"}, {"messages", user("tell")}, {"stream", false}}, answer_body("whole"));
    write_recording(dir, "b.json", {{"model", "a/m"}, {"messages", user("tell")}, {"stream", true}},
                    streamed_body({"in ", "pieces"}));
    Replay replay(dir);
    std::string streamed;
    EXPECT_EQ(replay.ask("a/m", {Message::user("tell")}, true, {}, nullptr, &streamed).message.content, "in pieces");
    EXPECT_EQ(streamed, "in pieces");
    EXPECT_EQ(replay.ask("a/m", {Message::user("tell")}).message.content, "whole");
}

TEST(ReplayMode, ToolsAndResponseFormatTellRequestsApart) {
    agentroute::test::TempDir dir;
    const json::value parameters = json::parse(R"({"type":"object","properties":{}})");
    const json::array tools{json::object{
        {"type", "function"},
        {"function", json::object{{"name", "clock"}, {"description", "The time"}, {"parameters", parameters}}}}};
    const json::object format{
        {"type", "json_schema"},
        {"json_schema", json::object{{"name", "out"}, {"strict", true}, {"schema", json::parse(R"({"type":"object"})")}}}};
    write_recording(dir, "plain.json", {{"model", "a/m"}, {"messages", user("q")}}, answer_body("plain"));
    write_recording(dir, "tools.json", {{"model", "a/m"}, {"messages", user("q")}, {"tools", tools}}, answer_body("tools"));
    write_recording(dir, "typed.json", {{"model", "a/m"}, {"messages", user("q")}, {"response_format", format}},
                    answer_body("typed"));
    Replay replay(dir);
    const OutputSchema output{"out", R"({"type":"object"})"};
    EXPECT_EQ(replay.ask("a/m", {Message::user("q")}, false, {}, &output).message.content, "typed");
    EXPECT_EQ(replay.ask("a/m", {Message::user("q")}, false, {{"clock", "The time", json::serialize(parameters)}})
                  .message.content,
              "tools");
    EXPECT_EQ(replay.ask("a/m", {Message::user("q")}).message.content, "plain");
}

TEST(ReplayMode, PartsArePartOfTheMessages) {
    agentroute::test::TempDir dir;
    const auto with_image = [](const std::string& url) {
        return json::array{json::object{
            {"role", "user"},
            {"content", json::array{json::object{{"type", "text"}, {"text", "what is it?"}},
                                    json::object{{"type", "image_url"}, {"image_url", json::object{{"url", url}}}}}}}};
    };
    write_recording(dir, "cat.json", {{"model", "a/m"}, {"messages", with_image("https://example.com/cat.png")}},
                    answer_body("a cat"));
    write_recording(dir, "dog.json", {{"model", "a/m"}, {"messages", with_image("https://example.com/dog.png")}},
                    answer_body("a dog"));
    Replay replay(dir);
    const auto ask = [&](const std::string& url) {
        return replay.ask("a/m", {Message::user({content::text("what is it?"), content::image_url(url)})}).message.content;
    };
    EXPECT_EQ(ask("https://example.com/dog.png"), "a dog");
    EXPECT_EQ(ask("https://example.com/cat.png"), "a cat");
}

TEST(ReplayMode, AnAssistantWithOnlyToolCallsMatchesHoweverItsContentWasRecorded) {
    agentroute::test::TempDir dir;
    const json::object call{{"id", "c1"}, {"type", "function"},
                            {"function", json::object{{"name", "clock"}, {"arguments", "{}"}}}};
    const json::array messages{json::object{{"role", "user"}, {"content", "time?"}},
                               json::object{{"role", "assistant"}, {"content", ""}, {"tool_calls", json::array{call}}},
                               json::object{{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "noon"}}};
    write_recording(dir, "empty-string.json", {{"model", "a/m"}, {"messages", messages}}, answer_body("it is noon"));
    Replay replay(dir);  // the client sends "content": null
    const std::vector<Message> history{Message::user("time?"), Message::assistant({}, {ToolCall{"c1", "clock", "{}"}}),
                                       Message::tool_result("c1", "clock", "noon")};
    EXPECT_EQ(replay.ask("a/m", history).message.content, "it is noon");
}

TEST(ReplayMode, ARequestNoneMatchesIsTold404WithTheClosestRecording) {
    agentroute::test::TempDir dir;
    write_recording(dir, "near.json", {{"model", "a/m"}, {"messages", user("hello")}}, answer_body("hi"));
    write_recording(dir, "far.json", {{"model", "b/other"}, {"messages", user("bye")}, {"stream", true}},
                    streamed_body({"x"}));
    Replay replay(dir);
    try {
        replay.ask("a/m", {Message::user("hello there")});
        ADD_FAILURE() << "expected a 404";
    } catch (const ErrorNotFound& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("no recording matches"), std::string::npos) << what;
        EXPECT_NE(what.find("near.json, differs in messages"), std::string::npos) << what;
    }
}

TEST(ReplayMode, AFileThatIsNotARecordingIsRefusedByName) {
    agentroute::test::TempDir dir;
    write_recording(dir, "good.json", {{"model", "a/m"}, {"messages", user("hello")}}, answer_body("hi"));
    std::ofstream(dir.file("notes.json")) << R"({"todo": "record more"})";
    testkit::FakeOpenRouterOptions o;
    o.replay_dir = dir.path().string();
    try {
        testkit::FakeOpenRouter fake(o);
        ADD_FAILURE() << "expected the folder to be refused";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("notes.json is not a recording"), std::string::npos) << e.what();
    }
}
