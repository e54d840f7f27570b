// Every recording in shared/fixtures/openrouter, re-sent through the public API as its author
// sent it (messages with their parts, tools, response format, every option), to one fake that
// replays the whole folder: the fake must find each recording by its request alone, and what
// goes on the wire must hold every member the recorded request held, with the same value.
// The recording is turned into API calls here the way a user would write them.

#include <agentroute/content.hpp>
#include <agentroute/errors.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <agentroute_test/fake_model.hpp>
#include <agentroute_test/fixtures.hpp>
#include <agentroute_test/recorded_answer.hpp>
#include <agentroute_test/run_co.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

using namespace agentroute;
namespace json = boost::json;
namespace fs = std::filesystem;
using agentroute::test::str;

namespace {

std::vector<std::string> recordings() {
    std::vector<std::string> files;
    if (!fs::exists(agentroute::test::fixtures_dir())) return files;
    for (const auto& e : fs::directory_iterator(agentroute::test::fixtures_dir())) {
        if (e.path().extension() == ".json") files.push_back(e.path().filename().string());
    }
    std::sort(files.begin(), files.end());
    return files;
}

bool has_only(const json::object& o, std::initializer_list<std::string_view> keys) {
    return std::all_of(o.begin(), o.end(), [&](const auto& kv) {
        return std::find(keys.begin(), keys.end(), std::string_view(kv.key())) != keys.end();
    });
}

std::optional<CacheControl> cache_of(const json::object& o) {
    const json::value* c = o.if_contains("cache_control");
    if (!c) return std::nullopt;
    return CacheControl{str(c->get_object().if_contains("type")), str(c->get_object().if_contains("ttl"))};
}

// A recorded content part as a user builds it: a typed helper where one says it all, else raw.
ContentPart part_of(const json::object& p) {
    const std::string type = str(p.if_contains("type"));
    ContentPart part;
    if (type == "text" && has_only(p, {"type", "text", "cache_control"})) {
        part = content::text(str(p.if_contains("text")));
    } else if (type == "image_url" && has_only(p, {"type", "image_url", "cache_control"}) &&
               has_only(p.at("image_url").get_object(), {"url", "detail"})) {
        const json::object& image = p.at("image_url").get_object();
        part = content::image_url(str(image.if_contains("url")), str(image.if_contains("detail")));
    } else if (type == "file" && has_only(p, {"type", "file", "cache_control"}) &&
               has_only(p.at("file").get_object(), {"filename", "file_data"})) {
        const json::object& file = p.at("file").get_object();
        part = content::file_url(str(file.if_contains("file_data")), str(file.if_contains("filename")));
    } else {
        return content::raw(json::serialize(p));
    }
    part.cache_control = cache_of(p);
    return part;
}

Role role_of(std::string_view name) {
    if (name == "system") return Role::system;
    if (name == "developer") return Role::developer;
    if (name == "assistant") return Role::assistant;
    if (name == "tool") return Role::tool;
    return Role::user;
}

Message message_of(const json::object& m) {
    Message out;
    out.role = role_of(str(m.if_contains("role")));
    if (const json::value* c = m.if_contains("content"); c && c->is_array()) {
        for (const auto& p : c->get_array()) out.parts.push_back(part_of(p.get_object()));
        out.content = Message::text_of(out.parts);
    } else {
        out.content = str(c);
    }
    out.tool_call_id = str(m.if_contains("tool_call_id"));
    if (const json::value* calls = m.if_contains("tool_calls")) {
        for (const auto& c : calls->get_array()) {
            const json::object& fn = c.at("function").get_object();
            out.tool_calls.push_back({str(c.get_object().if_contains("id")), str(fn.if_contains("name")),
                                      str(fn.if_contains("arguments"))});
        }
    }
    json::object reasoning;
    for (const char* key : {"reasoning", "reasoning_details"}) {
        if (const json::value* r = m.if_contains(key)) reasoning[key] = *r;
    }
    if (!reasoning.empty()) out.reasoning = json::serialize(reasoning);
    return out;
}

struct Request {
    OpenRouterOptions options;
    std::vector<Message> messages;
    std::vector<ToolDefinition> tools;
    std::optional<OutputSchema> output;
    ModelSettings settings;
};

// The recorded body's options, each to its field; what has none goes to `extra_body`.
Request request_of(const json::object& body, const testkit::FakeOpenRouter& fake) {
    Request r;
    r.options = agentroute::test::fake_options(fake, str(body.if_contains("model")), "sk-or-v1-resend");
    r.options.stream = false;          // absent from a request: not streamed
    r.options.retry.max_attempts = 1;  // one recording, one answer
    r.options.https.settle_timeout = std::chrono::milliseconds(50);
    ModelSettings& s = r.settings;
    json::object extra;
    for (const auto& [key, value] : body) {
        if (key == "model" || key == "usage") continue;  // the usage flag is always sent
        if (key == "messages") {
            for (const auto& m : value.get_array()) r.messages.push_back(message_of(m.get_object()));
        } else if (key == "stream") {
            r.options.stream = value.as_bool();
        } else if (key == "tools") {
            for (const auto& t : value.get_array()) {
                const json::object& tool = t.get_object();
                if (str(tool.if_contains("type")) != "function") {
                    const json::value* p = tool.if_contains("parameters");
                    if (!s.server_tools) s.server_tools.emplace();
                    s.server_tools->push_back({str(tool.if_contains("type")), p ? json::serialize(*p) : ""});
                    continue;
                }
                const json::object& fn = tool.at("function").get_object();
                const json::value* strict = fn.if_contains("strict");
                r.tools.push_back({str(fn.if_contains("name")), str(fn.if_contains("description")),
                                   json::serialize(fn.at("parameters")),
                                   strict ? std::optional<bool>(strict->as_bool()) : std::nullopt, cache_of(tool)});
            }
        } else if (key == "response_format") {
            const json::object& schema = value.at("json_schema").get_object();
            const json::value* strict = schema.if_contains("strict");
            r.output = OutputSchema{str(schema.if_contains("name")), json::serialize(schema.at("schema")),
                                    str(schema.if_contains("description")), strict && strict->as_bool()};
        } else if (key == "tool_choice") {
            const std::string choice = str(&value);
            s.tool_choice = choice == "none" ? ToolChoice::none()
                            : choice == "required" ? ToolChoice::required()
                            : value.is_object() ? ToolChoice::tool(str(value.at("function").get_object().if_contains("name")))
                                                : ToolChoice::automatic();
        } else if (key == "parallel_tool_calls") {
            s.parallel_tool_calls = value.as_bool();
        } else if (key == "reasoning") {
            ReasoningSettings reasoning;
            const json::object& o = value.get_object();
            if (o.contains("effort")) reasoning.effort = str(o.if_contains("effort"));
            if (o.contains("max_tokens")) reasoning.max_tokens = o.at("max_tokens").to_number<std::int64_t>();
            if (o.contains("exclude")) reasoning.exclude = o.at("exclude").as_bool();
            if (o.contains("enabled")) reasoning.enabled = o.at("enabled").as_bool();
            s.reasoning = reasoning;
        } else if (key == "seed") {
            s.seed = value.to_number<std::int64_t>();
        } else if (key == "temperature") {
            s.temperature = value.to_number<double>();
        } else if (key == "max_tokens") {
            s.max_tokens = value.to_number<std::int64_t>();
        } else if (key == "transforms") {
            s.transforms.emplace();
            for (const auto& t : value.get_array()) s.transforms->push_back(str(&t));
        } else if (key == "preset") {
            s.preset = str(&value);
        } else if (key == "stream_options") {
            s.stream_include_usage = value.at("include_usage").as_bool();
        } else if (key == "provider") {
            r.options.provider = json::serialize(value);
        } else if (key == "models") {
            for (const auto& m : value.get_array()) r.options.fallback_models.push_back(str(&m));
        } else if (key == "user") {
            s.user = str(&value);
        } else if (key == "session_id") {
            s.session_id = str(&value);
        } else {
            extra[key] = value;  // max_completion_tokens, n, ...
        }
    }
    if (!extra.empty()) s.extra_body = json::serialize(extra);
    return r;
}

// Recorders spell "an assistant that only calls tools" three ways; providers take them as one.
json::value normalized_messages(json::value messages) {
    for (json::value& m : messages.get_array()) {
        json::object& o = m.get_object();
        if (o.contains("tool_calls") && (!o.contains("content") || o.at("content").is_null() || o.at("content") == "")) {
            o.erase("content");
        }
    }
    return messages;
}

testkit::FakeOpenRouterOptions replaying_the_folder() {
    testkit::FakeOpenRouterOptions o;
    o.replay_dir = agentroute::test::fixtures_dir().string();
    return o;
}

// A fake of its own for each recording: where recordings share a request, which one answers
// depends on what the fake has served before.
class RecordingResend : public ::testing::TestWithParam<std::string> {
protected:
    std::unique_ptr<testkit::FakeOpenRouter> fake_ = std::make_unique<testkit::FakeOpenRouter>(replaying_the_folder());
};

}  // namespace

TEST_P(RecordingResend, IsSentAsRecordedAndAnsweredByItsRecording) {
    const json::value fixture = agentroute::test::read_fixture(GetParam());
    const json::object& recorded = fixture.at("request").at("body").get_object();
    const agentroute::test::Expected expected = agentroute::test::expected_from(fixture.at("response").get_object());

    const Request r = request_of(recorded, *fake_);
    OpenRouterModel model(r.options);
    ModelRequest request;
    request.messages = r.messages;
    request.tools = r.tools;
    request.output = r.output ? &*r.output : nullptr;
    request.settings = &r.settings;
    std::string streamed;
    request.on_text_delta = [&](std::string_view d) { streamed += d; };

    // Recordings of one request are served in turn: the ones recorded before this one first.
    for (const auto& group : fake_->replay_collisions()) {
        const auto at = std::find(group.begin(), group.end(), GetParam());
        for (auto earlier = group.begin(); at != group.end() && earlier != at; ++earlier) {
            try {
                agentroute::test::run_co(model.request(request));
            } catch (const ErrorAgent&) {  // an earlier recording that is an error
            }
        }
    }
    streamed.clear();
    std::optional<ModelResponse> answer;
    std::string failure;
    try {
        answer = agentroute::test::run_co(model.request(request));
    } catch (const ErrorAgent& e) {
        failure = e.what();
        if (expected.error_status == 0) ADD_FAILURE() << "answered with an error: " << e.what();
        agentroute::test::expect_error_type(expected.error_status, e);
    }

    // The wire holds every recorded member with its recorded value.
    const json::value sent_value = json::parse(fake_->last_request_body());
    const json::object& sent = sent_value.get_object();
    for (const auto& [key, value] : recorded) {
        ASSERT_TRUE(sent.contains(key)) << key << " was not sent";
        if (key == "messages") {
            EXPECT_EQ(normalized_messages(sent.at(key)), normalized_messages(value)) << "messages differ";
        } else if (key == "provider" && r.output) {
            json::object provider = sent.at(key).get_object();
            provider.erase("require_parameters");  // typed outputs go to providers that honour them
            EXPECT_EQ(json::value(provider), value);
        } else {
            EXPECT_EQ(sent.at(key), value) << key;
        }
    }
    // ... and adds only what the library always sends.
    const std::set<std::string> always{"usage", "stream", "tool_choice", "parallel_tool_calls", "provider"};
    for (const auto& [key, value] : sent) {
        if (recorded.contains(key)) continue;
        EXPECT_TRUE(always.contains(std::string(key))) << key << " was added: " << json::serialize(value);
    }

    // The recording that answered is this one.
    if (expected.error_status != 0) {
        EXPECT_FALSE(answer) << "the recording is an error";
        EXPECT_EQ(failure.find("no recording matches"), std::string::npos) << failure;
        return;
    }
    ASSERT_TRUE(answer) << failure;
    EXPECT_EQ(answer->message.content, expected.text);
    EXPECT_EQ(answer->message.tool_calls.size(), expected.calls.size());
    if (expected.input_tokens >= 0) {
        EXPECT_EQ(answer->usage.input_tokens, expected.input_tokens);
    }
    if (r.options.stream) {
        EXPECT_EQ(streamed, expected.text);  // streamed as recorded
    }
}

TEST(RecordingResendFolder, SaysWhichRecordingsShareARequest) {
    if (recordings().empty()) GTEST_SKIP() << "no fixtures folder";
    testkit::FakeOpenRouter fake(replaying_the_folder());
    EXPECT_EQ(fake.replay_recordings(), recordings().size());
    // Two 429s recorded for the same prompt as an answer; the same Kimi stream with and
    // without a provider preference (not part of a request's identity).
    const std::vector<std::vector<std::string>> expected{
        {"004-plain-gemini-flash-exp-free.json", "055-error-429-upstream-rate-limited.json",
         "057-error-in-200-body-rate-limited.json"},
        {"040-stream-parallel-tool-calls-kimi-k2.json", "071-stream-parallel-tool-calls-kimi-groq-provider-only.json"}};
    EXPECT_EQ(fake.replay_collisions(), expected);
}

INSTANTIATE_TEST_SUITE_P(SharedFixtures, RecordingResend, ::testing::ValuesIn(recordings()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                             std::string name = info.param.substr(0, info.param.size() - 5);
                             for (char& c : name) {
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             }
                             return name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(RecordingResend);
