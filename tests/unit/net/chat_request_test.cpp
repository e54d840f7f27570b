// The request body's content parts, caching breakpoints and request parameters, byte layout by
// byte layout (build_chat_request is sans-io).

#include "openrouter_wire.hpp"

#include <agentroute/content.hpp>
#include <agentroute/errors.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace agentroute;
using namespace agentroute::net::detail;
namespace json = boost::json;

namespace {

json::object body_of(std::span<const Message> messages, const ModelSettings* settings = nullptr,
                     std::span<const ToolDefinition> tools = {}, const OutputSchema* output = nullptr,
                     std::optional<std::int64_t> cap = {}) {
    ModelRequest request;
    request.messages = messages;
    request.tools = tools;
    request.output = output;
    request.run_id = "run_1";
    request.max_output_tokens = cap;
    request.settings = settings;
    return json::parse(build_chat_request(request, WireOptions{"a/model", false})).as_object();
}

}  // namespace

TEST(ChatRequest, PartsGoOutAsTheContentArrayInOpenRoutersShapes) {
    const std::vector<Message> messages{Message::user({
        content::text("look"),
        content::image_url("https://example.com/a.png", "high"),
        content::image_data("\x89PNG", "image/png"),
        content::file_url("https://example.com/a.pdf", "a.pdf"),
        content::audio_data("RIFF", "wav"),
        content::video_url("https://example.com/a.mp4"),
        content::raw(R"({"type":"input_text","text":"raw"})"),
    })};
    const json::object body = body_of(messages);
    const json::array& parts = body.at("messages").at(0).at("content").as_array();
    ASSERT_EQ(parts.size(), 7u);
    EXPECT_EQ(parts[0], json::parse(R"({"type":"text","text":"look"})"));
    EXPECT_EQ(parts[1], json::parse(R"({"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"high"}})"));
    EXPECT_EQ(parts[2].at("image_url").at("url"), "data:image/png;base64,iVBORw==");
    EXPECT_FALSE(parts[2].at("image_url").as_object().contains("detail"));
    EXPECT_EQ(parts[3], json::parse(R"({"type":"file","file":{"filename":"a.pdf","file_data":"https://example.com/a.pdf"}})"));
    EXPECT_EQ(parts[4], json::parse(R"({"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}})"));
    EXPECT_EQ(parts[5], json::parse(R"({"type":"video_url","video_url":{"url":"https://example.com/a.mp4"}})"));
    EXPECT_EQ(parts[6], json::parse(R"({"type":"input_text","text":"raw"})"));
    EXPECT_EQ(messages[0].content, "look");  // the text, for whatever reads messages as text
}

TEST(ChatRequest, CacheControlSitsOnThePartTheMessageOrTheTool) {
    std::vector<Message> messages{Message::system("long manual").cached(CacheControl{"ephemeral", "1h"}),
                                  Message::user({content::text("a"), content::text("b")}).cached(),
                                  Message::user({content::text("c").cached(), content::text("d")})};
    std::vector<ToolDefinition> tools{{"clock", "The time", "", std::nullopt, CacheControl{}}};
    const json::object body = body_of(messages, nullptr, tools);
    const json::array& m = body.at("messages").as_array();
    // A string with a breakpoint becomes one text part that carries it.
    EXPECT_EQ(m[0].at("content"), json::parse(R"([{"type":"text","text":"long manual","cache_control":{"type":"ephemeral","ttl":"1h"}}])"));
    // A message's breakpoint is its last part's.
    EXPECT_FALSE(m[1].at("content").at(0).as_object().contains("cache_control"));
    EXPECT_EQ(m[1].at("content").at(1).at("cache_control"), json::parse(R"({"type":"ephemeral"})"));
    EXPECT_EQ(m[2].at("content").at(0).at("cache_control").at("type"), "ephemeral");
    EXPECT_FALSE(m[2].at("content").at(1).as_object().contains("cache_control"));
    EXPECT_EQ(body.at("tools").at(0).at("cache_control"), json::parse(R"({"type":"ephemeral"})"));
    EXPECT_FALSE(body.at("tools").at(0).at("function").as_object().contains("strict"));
}

TEST(ChatRequest, ARawPartWithABreakpointGetsIt) {
    const std::vector<Message> messages{Message::user({content::raw(R"( {"type":"input_text","text":"x"} )").cached()})};
    EXPECT_EQ(body_of(messages).at("messages").at(0).at("content").at(0),
              json::parse(R"({"type":"input_text","text":"x","cache_control":{"type":"ephemeral"}})"));
}

TEST(ChatRequest, ARawPartThatIsNotAnObjectIsRefused) {
    EXPECT_THROW(content::raw("[1]"), std::invalid_argument);
    EXPECT_THROW(content::raw(R"({"text":"no type"})"), std::invalid_argument);
    ContentPart forged;
    forged.kind = ContentPart::Kind::raw;
    forged.text = R"({"type":"text"},"model":"evil")";
    const std::vector<Message> messages{Message::user({forged})};
    EXPECT_THROW(body_of(messages), ErrorConfig);
}

TEST(ChatRequest, DeveloperRoleAndToolResultParts) {
    const std::vector<Message> messages{
        Message::developer("house rules"), Message::user("q"),
        Message::assistant({}, {ToolCall{"c1", "chart", "{}"}}),
        Message::tool_result("c1", "chart", {content::text("the chart"), content::image_url("https://x/c.png")})};
    const json::array m = body_of(messages).at("messages").as_array();
    EXPECT_EQ(m[0].at("role"), "developer");
    EXPECT_TRUE(m[2].at("content").is_null());  // tool calls and no text: null, see Message
    EXPECT_EQ(m[3].at("content").at(1).at("image_url").at("url"), "https://x/c.png");
    EXPECT_EQ(m[3].at("tool_call_id"), "c1");
}

TEST(ChatRequest, EverySettingGoesOutUnderItsOpenRouterName) {
    ModelSettings s;
    s.tool_choice = ToolChoice::tool("clock");
    s.parallel_tool_calls = false;
    s.reasoning = ReasoningSettings{.effort = "high", .max_tokens = {}, .exclude = true, .enabled = {}};
    s.seed = 1014;
    s.temperature = 0.2;
    s.top_p = 0.9;
    s.top_k = 40;
    s.min_p = 0.05;
    s.top_a = 0.1;
    s.frequency_penalty = 0.5;
    s.presence_penalty = -0.5;
    s.repetition_penalty = 1.1;
    s.stop = std::vector<std::string>{"END", "\n\n"};
    s.max_tokens = 500;
    s.transforms = std::vector<std::string>{};
    s.preset = "@preset/comedian";
    s.stream_include_usage = true;
    s.plugins = std::vector<Plugin>{{"web", R"({"max_results":3})"}, {"response-healing", ""}};
    s.server_tools = std::vector<ServerTool>{{"openrouter:web_search", R"({"max_uses":1})"}};
    s.user = "user-42";
    s.session_id = "chat-7";
    s.extra_body = R"({"n":1,"max_completion_tokens":400,"verbosity":"low"})";
    std::vector<ToolDefinition> tools{{"clock", "The time", "", true, {}}};
    const std::vector<Message> messages{Message::user("q")};
    const json::object body = body_of(messages, &s, tools, nullptr, 900);

    EXPECT_EQ(body.at("tool_choice"), json::parse(R"({"type":"function","function":{"name":"clock"}})"));
    EXPECT_EQ(body.at("parallel_tool_calls"), false);
    EXPECT_EQ(body.at("reasoning"), json::parse(R"({"effort":"high","exclude":true})"));
    EXPECT_EQ(body.at("seed"), 1014);
    EXPECT_EQ(body.at("temperature"), 0.2);
    EXPECT_EQ(body.at("top_p"), 0.9);
    EXPECT_EQ(body.at("top_k"), 40);
    EXPECT_EQ(body.at("min_p"), 0.05);
    EXPECT_EQ(body.at("top_a"), 0.1);
    EXPECT_EQ(body.at("frequency_penalty"), 0.5);
    EXPECT_EQ(body.at("presence_penalty"), -0.5);
    EXPECT_EQ(body.at("repetition_penalty"), 1.1);
    EXPECT_EQ(body.at("stop"), json::parse(R"(["END","\n\n"])"));
    EXPECT_EQ(body.at("max_tokens"), 500);  // the smaller of the setting and the budget's cap
    EXPECT_EQ(body.at("transforms"), json::array());
    EXPECT_EQ(body.at("preset"), "@preset/comedian");
    EXPECT_EQ(body.at("stream_options"), json::parse(R"({"include_usage":true})"));
    EXPECT_EQ(body.at("plugins"), json::parse(R"([{"max_results":3,"id":"web"},{"id":"response-healing"}])"));
    EXPECT_EQ(body.at("tools").at(0).at("function").at("strict"), true);
    EXPECT_EQ(body.at("tools").at(1), json::parse(R"({"type":"openrouter:web_search","parameters":{"max_uses":1}})"));
    EXPECT_EQ(body.at("user"), "user-42");
    EXPECT_EQ(body.at("session_id"), "chat-7");
    EXPECT_EQ(body.at("n"), 1);
    EXPECT_EQ(body.at("max_completion_tokens"), 400);
    EXPECT_EQ(body.at("verbosity"), "low");
}

TEST(ChatRequest, WithoutSettingsOnlyTheDefaultsGoOut) {
    std::vector<ToolDefinition> tools{{"clock", "The time", ""}};
    const std::vector<Message> messages{Message::user("q")};
    const json::object body = body_of(messages, nullptr, tools, nullptr, 900);
    EXPECT_EQ(body.at("tool_choice"), "auto");
    EXPECT_EQ(body.at("parallel_tool_calls"), true);
    EXPECT_EQ(body.at("max_tokens"), 900);
    EXPECT_EQ(body.at("session_id"), "run_1");
    for (const char* absent : {"reasoning", "seed", "temperature", "stop", "transforms", "plugins", "user", "stream_options"}) {
        EXPECT_FALSE(body.contains(absent)) << absent;
    }
    // No tools, no tool_choice; a tool choice set alone is sent.
    ModelSettings none;
    none.tool_choice = ToolChoice::none();
    EXPECT_FALSE(body_of(messages).contains("tool_choice"));
    EXPECT_EQ(body_of(messages, &none).at("tool_choice"), "none");
    ModelSettings required;
    required.tool_choice = ToolChoice::required();
    EXPECT_EQ(body_of(messages, &required, tools).at("tool_choice"), "required");
}

TEST(ChatRequest, ServerToolsAloneMakeAToolsArrayWithoutAToolChoice) {
    ModelSettings s;
    s.server_tools = std::vector<ServerTool>{{"openrouter:web_search", ""}};
    const std::vector<Message> messages{Message::user("news?")};
    const json::object body = body_of(messages, &s);
    EXPECT_EQ(body.at("tools"), json::parse(R"([{"type":"openrouter:web_search"}])"));
    EXPECT_FALSE(body.contains("tool_choice"));
    EXPECT_FALSE(body.contains("parallel_tool_calls"));
}

TEST(ChatRequest, TheOutputSchemaCarriesItsDescriptionAndStrictness) {
    const OutputSchema output{"summary", R"({"type":"object"})", "Summary of the article", false};
    const std::vector<Message> messages{Message::user("q")};
    const json::object body = body_of(messages, nullptr, {}, &output);
    EXPECT_EQ(body.at("response_format"),
              json::parse(R"({"type":"json_schema","json_schema":{"name":"summary","description":"Summary of the article","strict":false,"schema":{"type":"object"}}})"));
}

TEST(ChatRequest, AnExtraBodyMayNotSendAMemberTwice) {
    const std::vector<Message> messages{Message::user("q")};
    for (const char* member : {R"({"model":"x"})", R"({"messages":[]})", R"({"stream":true})", R"({"temperature":1})",
                               R"({"tools":[]})", R"({"provider":{}})", R"({"max_tokens":5})"}) {
        ModelSettings s;
        s.extra_body = member;
        EXPECT_THROW(body_of(messages, &s), ErrorConfig) << member;
    }
    ModelSettings not_object;
    not_object.extra_body = "[1]";
    EXPECT_THROW(body_of(messages, &not_object), ErrorConfig);
    ModelSettings twice;  // a member named twice in the text goes out once
    twice.extra_body = R"({"n":1,"n":2})";
    const std::string text = [&] {
        ModelRequest r;
        r.messages = messages;
        r.settings = &twice;
        return build_chat_request(r, WireOptions{"a/model", false});
    }();
    EXPECT_EQ(text.find("\"n\""), text.rfind("\"n\""));
}

TEST(ChatRequest, ANumberThatIsNotFiniteIsRefused) {
    ModelSettings s;
    s.temperature = std::numeric_limits<double>::quiet_NaN();
    const std::vector<Message> messages{Message::user("q")};
    EXPECT_THROW(body_of(messages, &s), ErrorConfig);
}
