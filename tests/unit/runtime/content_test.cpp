// Content parts built by the content:: helpers, and the request parameters' merge and checks.

#include <agentroute/agent.hpp>
#include <agentroute/content.hpp>
#include <agentroute/errors.hpp>
#include <agentroute/model_settings.hpp>

#include <agentroute_test/temp_dir.hpp>
#include <gtest/gtest.h>

#include <fstream>

using namespace agentroute;

TEST(Content, Base64FollowsRfc4648) {
    // RFC 4648, section 10.
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
    EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(Content, FilesAreReadIntoDataUrlsOfTheirMediaType) {
    agentroute::test::TempDir dir;
    std::ofstream(dir.file("photo.PNG"), std::ios::binary) << "png";
    std::ofstream(dir.file("report.pdf"), std::ios::binary) << "%PDF";
    std::ofstream(dir.file("voice.mp3"), std::ios::binary) << "ID3";
    const ContentPart image = content::image_file(dir.file("photo.PNG"), "low");
    EXPECT_EQ(image.kind, ContentPart::Kind::image);
    EXPECT_EQ(image.url, "data:image/png;base64,cG5n");
    EXPECT_EQ(image.detail, "low");
    const ContentPart pdf = content::file(dir.file("report.pdf"));
    EXPECT_EQ(pdf.kind, ContentPart::Kind::file);
    EXPECT_EQ(pdf.url, "data:application/pdf;base64,JVBERg==");
    EXPECT_EQ(pdf.filename, "report.pdf");
    const ContentPart audio = content::audio_file(dir.file("voice.mp3"));
    EXPECT_EQ(audio.kind, ContentPart::Kind::audio);
    EXPECT_EQ(audio.data, "SUQz");
    EXPECT_EQ(audio.format, "mp3");
    EXPECT_EQ(media_type_for("a.unknown"), "application/octet-stream");
}

TEST(Content, AFileThatCannotBeReadIsAConfigErrorNamingIt) {
    try {
        content::image_file("/nonexistent/cat.png");
        ADD_FAILURE() << "expected ErrorConfig";
    } catch (const ErrorConfig& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/cat.png"), std::string::npos) << e.what();
    }
}

TEST(Content, AMessageOfPartsKeepsTheirTextAsItsContent) {
    const Message m = Message::user({content::text("one"), content::image_url("https://x/y.png"), content::text("two")});
    EXPECT_EQ(m.role, Role::user);
    EXPECT_EQ(m.content, "one\ntwo");
    EXPECT_EQ(m.parts.size(), 3u);
    EXPECT_EQ(to_string(Role::developer), "developer");
    EXPECT_EQ(Message::developer("rules").role, Role::developer);
}

TEST(ModelSettingsMerge, TheRunsFieldsReplaceTheAgentsOneByOne) {
    ModelSettings agent;
    agent.temperature = 0.2;
    agent.seed = 1;
    agent.stop = std::vector<std::string>{"END"};
    agent.extra_body = R"({"n":1,"verbosity":"low"})";
    ModelSettings run;
    run.seed = 2;
    run.transforms = std::vector<std::string>{};
    run.extra_body = R"({"verbosity":"high"})";
    const ModelSettings merged = merge(agent, run);
    EXPECT_EQ(merged.temperature, 0.2);
    EXPECT_EQ(merged.seed, 2);
    EXPECT_EQ(merged.stop, agent.stop);
    EXPECT_EQ(merged.transforms, std::vector<std::string>{});
    EXPECT_EQ(merged.extra_body, R"({"n":1,"verbosity":"high"})");
    EXPECT_EQ(merge(agent, ModelSettings{}), agent);
}

TEST(ModelSettingsValidate, NamesWhatCannotBeSent) {
    const auto message_of = [](const ModelSettings& s) -> std::string {
        try {
            validate(s);
        } catch (const ErrorConfig& e) {
            return e.what();
        }
        return {};
    };
    ModelSettings unnamed;
    unnamed.tool_choice = ToolChoice::tool("");
    EXPECT_NE(message_of(unnamed).find("tool_choice"), std::string::npos);
    ModelSettings plugin;
    plugin.plugins = std::vector<Plugin>{{"web", "max_results=3"}};
    EXPECT_NE(message_of(plugin).find("plugins"), std::string::npos);
    ModelSettings no_id;
    no_id.plugins = std::vector<Plugin>{{"", ""}};
    EXPECT_NE(message_of(no_id).find("no id"), std::string::npos);
    ModelSettings server;
    server.server_tools = std::vector<ServerTool>{{"", ""}};
    EXPECT_NE(message_of(server).find("server_tools"), std::string::npos);
    ModelSettings owned;
    owned.extra_body = R"({"seed":3})";
    EXPECT_NE(message_of(owned).find("\"seed\""), std::string::npos);
    ModelSettings nan;
    nan.top_p = std::numeric_limits<double>::infinity();
    EXPECT_NE(message_of(nan).find("top_p"), std::string::npos);
    EXPECT_EQ(message_of(ModelSettings{}), "");
}

TEST(ModelSettingsValidate, AnAgentWithSettingsThatCannotBeSentIsRefusedWhenBuilt) {
    AgentOptions o;
    o.model = "anthropic/claude-sonnet-4";
    o.api_key = "sk-or-v1-test";
    o.settings.extra_body = R"({"model":"other/model"})";
    EXPECT_THROW(Agent<> agent(o), ErrorConfig);
}
