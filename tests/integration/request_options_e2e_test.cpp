// Request parameters and content parts through the public API, over real HTTPS to the fake:
// an agent's settings with a run's over them, attachments, cached instructions, strict tools,
// and a conversation of parts stored in SQLite and sent again as it was.

#include <agentroute/agent.hpp>
#include <agentroute/content.hpp>
#include <agentroute/memory/memory_sqlite.hpp>
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
using agentroute::testkit::FakeOpenRouter;

namespace {

struct City {
    std::string city;
};
BOOST_DESCRIBE_STRUCT(City, (), (city))

std::shared_ptr<OpenRouterModel> model_for(const FakeOpenRouter& fake) {
    OpenRouterOptions o = agentroute::test::fake_options(fake, "anthropic/claude-sonnet-4.5");
    return std::make_shared<OpenRouterModel>(o);
}

json::object last_body(const FakeOpenRouter& fake) { return json::parse(fake.last_request_body()).as_object(); }

}  // namespace

TEST(RequestOptions, TheAgentsSettingsGoOutWithTheRunsOverThem) {
    FakeOpenRouter fake;
    AgentOptions o;
    o.model = model_for(fake);
    o.instructions = "A very long manual.";
    o.settings.temperature = 0.3;
    o.settings.seed = 7;
    o.settings.reasoning = ReasoningSettings{.effort = "low", .max_tokens = {}, .exclude = {}, .enabled = {}};
    o.settings.plugins = std::vector<Plugin>{{"web", R"({"max_results":2})"}};
    o.settings.extra_body = R"({"verbosity":"low"})";
    o.cache_instructions = CacheControl{"ephemeral", "1h"};
    Agent agent(o);

    RunOptions run;
    run.settings.temperature = 0.9;
    run.settings.user = "tenant-4";
    run.settings.extra_body = R"({"verbosity":"high"})";
    const Result<std::string> result = agentroute::test::run_co(agent.run("hello", run));
    EXPECT_FALSE(result.output.empty());

    const json::object body = last_body(fake);
    EXPECT_EQ(body.at("temperature"), 0.9);
    EXPECT_EQ(body.at("seed"), 7);
    EXPECT_EQ(body.at("reasoning"), json::parse(R"({"effort":"low"})"));
    EXPECT_EQ(body.at("plugins"), json::parse(R"([{"max_results":2,"id":"web"}])"));
    EXPECT_EQ(body.at("user"), "tenant-4");
    EXPECT_EQ(body.at("verbosity"), "high");
    EXPECT_EQ(body.at("messages").at(0).at("content").at(0).at("cache_control"),
              json::parse(R"({"type":"ephemeral","ttl":"1h"})"));

    // Without the run's settings, the agent's alone.
    agentroute::test::run_co(agent.run("again"));
    const json::object plain = last_body(fake);
    EXPECT_EQ(plain.at("temperature"), 0.3);
    EXPECT_FALSE(plain.contains("user"));
    EXPECT_EQ(plain.at("verbosity"), "low");
}

TEST(RequestOptions, ARunsSettingsThatCannotBeSentFailTheRunBeforeAnyCall) {
    FakeOpenRouter fake;
    Agent agent({.model = model_for(fake)});
    RunOptions run;
    run.settings.extra_body = R"({"messages":[]})";
    EXPECT_THROW(agentroute::test::run_co(agent.run("hello", run)), ErrorConfig);
    EXPECT_EQ(fake.chat_requests(), 0u);
}

TEST(RequestOptions, AttachmentsJoinThePromptInOneUserMessage) {
    FakeOpenRouter fake;
    agentroute::test::TempDir dir;
    std::ofstream(dir.file("receipt.png"), std::ios::binary) << "png bytes";
    Agent agent({.model = model_for(fake)});
    RunOptions run;
    run.attachments = {content::image_file(dir.file("receipt.png")), content::file_url("https://example.com/terms.pdf", "terms.pdf")};
    const Result<std::string> result = agentroute::test::run_co(agent.run("What is the total?", run));

    const json::value user = last_body(fake).at("messages").at(0);
    EXPECT_EQ(user.at("role"), "user");
    EXPECT_EQ(user.at("content").at(0), json::parse(R"({"type":"text","text":"What is the total?"})"));
    EXPECT_EQ(user.at("content").at(1).at("image_url").at("url"), "data:image/png;base64,cG5nIGJ5dGVz");
    EXPECT_EQ(user.at("content").at(2).at("file").at("filename"), "terms.pdf");
    EXPECT_EQ(result.messages.front().content, "What is the total?");
    EXPECT_EQ(result.messages.front().parts.size(), 3u);
}

TEST(RequestOptions, ToolOptionsMakeAToolStrictAndCached) {
    FakeOpenRouter fake;
    AgentOptions o;
    o.model = model_for(fake);
    o.settings.tool_choice = ToolChoice::tool("weather");
    o.settings.parallel_tool_calls = false;
    Agent agent(o);
    agent.tool("weather", "The weather in a city", [](const City& c) { return "sunny in " + c.city; },
               ToolOptions{.blocking = false, .strict = true, .cache_control = CacheControl{}});
    agentroute::test::run_co(agent.run("weather in Lisbon?"));
    const json::object body = last_body(fake);
    EXPECT_EQ(body.at("tools").at(0).at("function").at("strict"), true);
    EXPECT_EQ(body.at("tools").at(0).at("cache_control"), json::parse(R"({"type":"ephemeral"})"));
    EXPECT_EQ(body.at("tool_choice"), json::parse(R"({"type":"function","function":{"name":"weather"}})"));
    EXPECT_EQ(body.at("parallel_tool_calls"), false);
}

TEST(RequestOptions, AStoredConversationOfPartsIsSentAgainAsItWas) {
    FakeOpenRouter fake;
    agentroute::test::TempDir dir;
    auto memory = std::make_shared<MemorySQLite>(dir.file("memory.db"));
    Agent agent({.model = model_for(fake), .memory = memory});
    RunOptions first;
    first.conversation_id = "chat-1";
    first.attachments = {content::image_url("https://example.com/cat.png", "low").cached()};
    agentroute::test::run_co(agent.run("What animal is this?", first));
    const json::value sent_first = last_body(fake).at("messages").at(0);

    // A new store object on the same file, as after a restart.
    auto reopened = std::make_shared<MemorySQLite>(dir.file("memory.db"));
    Agent later({.model = model_for(fake), .memory = reopened});
    RunOptions second;
    second.conversation_id = "chat-1";
    agentroute::test::run_co(later.run("And its colour?", second));
    const json::array messages = last_body(fake).at("messages").as_array();
    EXPECT_EQ(messages.at(0), sent_first);
    EXPECT_EQ(messages.at(0).at("content").at(1).at("cache_control").at("type"), "ephemeral");
    EXPECT_EQ(messages.back().at("content"), "And its colour?");
}

TEST(RequestOptions, ADeveloperMessageInTheHistoryStaysADeveloperMessage) {
    FakeOpenRouter fake;
    Agent agent({.model = model_for(fake), .instructions = "system rules"});
    RunOptions run;
    run.message_history = {Message::developer("answer in French"), Message::user("hi"), Message::assistant("salut")};
    agentroute::test::run_co(agent.run("ça va?", run));
    const json::array messages = last_body(fake).at("messages").as_array();
    EXPECT_EQ(messages.at(0).at("role"), "system");
    EXPECT_EQ(messages.at(1).at("role"), "developer");
    EXPECT_EQ(messages.at(1).at("content"), "answer in French");
}
