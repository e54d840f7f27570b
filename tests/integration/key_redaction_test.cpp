// The API key never reaches what a user sees, even when the server echoes it (OpenRouter and
// upstream providers do: "Invalid API key provided: sk-or-v1-…"): an error body, an error
// inside a 200 body and an error event mid-stream, over real HTTPS to the fake.

#include <agentroute/agent.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <agentroute_test/fake_keys.hpp>
#include <agentroute_test/fake_model.hpp>
#include <gtest/gtest.h>

#include <sstream>

using namespace agentroute;
using agentroute::testkit::FakeOpenRouter;
using agentroute::testkit::RecordedResponse;

namespace {

const std::string key = agentroute::test::fake_openrouter_key();
const std::string secret_part = key.substr(9);  // what follows the public "sk-or-v1-" prefix

// Every user-visible text of a failed run: what(), the provider fields, the events' texts.
std::string everything_shown(const std::exception_ptr& error, const std::vector<std::string>& events) {
    std::ostringstream all;
    try {
        std::rethrow_exception(error);
    } catch (const ErrorHttp& e) {
        all << e.what() << '\n' << e.provider_message() << '\n' << e.details().code << '\n'
            << e.details().error_type << '\n' << e.details().provider_name << '\n';
    } catch (const std::exception& e) {
        all << e.what() << '\n';
    }
    for (const std::string& text : events) all << text << '\n';
    return all.str();
}

// No piece of the key's secret part as long as 6 characters appears in `shown`.
void expect_no_piece_of_the_key(const std::string& shown) {
    for (std::size_t i = 0; i + 6 <= secret_part.size(); ++i) {
        ASSERT_EQ(shown.find(secret_part.substr(i, 6)), std::string::npos)
            << "a piece of the key (" << secret_part.substr(i, 6) << ") in: " << shown;
    }
}

struct Outcome {
    std::exception_ptr error;
    std::vector<std::string> events;
};

Outcome run_against(RecordedResponse response, bool stream) {
    FakeOpenRouter fake;
    fake.push_response(std::move(response));
    OpenRouterOptions o = agentroute::test::fake_options(fake, "openai/gpt-4o", key);
    o.stream = stream;
    o.retry.max_attempts = 1;
    Agent agent({.name = "redaction", .model = std::make_shared<OpenRouterModel>(o)});
    Outcome out;
    RunOptions options;
    options.on_event = [&](const RunEvent& e) { out.events.emplace_back(e.text); };
    try {
        agent.run_sync("hello", std::move(options));
        ADD_FAILURE() << "the run succeeded";
    } catch (...) {
        out.error = std::current_exception();
    }
    return out;
}

std::string echoing_error(int code) {
    // The key whole, masked, cut, in the upstream's raw text, and as a bearer header.
    return R"({"error":{"code":)" + std::to_string(code) + R"(,"message":"Invalid API key provided: )" + key +
           R"(. Masked: )" + key.substr(0, 14) + "..." + key.substr(key.size() - 10) + R"(","metadata":{"raw":)"
           R"("upstream said Authorization: Bearer )" + key + R"( and cut )" + key.substr(0, 40) +
           R"(","provider_name":"Echo )" + key + R"("}}})";
}

}  // namespace

TEST(KeyRedaction, AnErrorBodyThatEchoesTheKeyShowsNoneOfIt) {
    const Outcome out = run_against(RecordedResponse{401, {{"content-type", "application/json"}}, echoing_error(401)}, false);
    ASSERT_TRUE(out.error);
    EXPECT_THROW(std::rethrow_exception(out.error), ErrorAuth);
    const std::string shown = everything_shown(out.error, out.events);
    expect_no_piece_of_the_key(shown);
    EXPECT_NE(shown.find("Invalid API key provided: [redacted]"), std::string::npos) << shown;
}

TEST(KeyRedaction, AnErrorInA200BodyThatEchoesTheKeyShowsNoneOfIt) {
    const Outcome out = run_against(RecordedResponse{200, {{"content-type", "application/json"}}, echoing_error(402)}, false);
    ASSERT_TRUE(out.error);
    EXPECT_THROW(std::rethrow_exception(out.error), ErrorCredits);
    expect_no_piece_of_the_key(everything_shown(out.error, out.events));
}

TEST(KeyRedaction, AnErrorEventMidStreamThatEchoesTheKeyShowsNoneOfIt) {
    const std::string events = "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"
                               "data: " + echoing_error(401) + "\n\ndata: [DONE]\n\n";
    const Outcome out = run_against(RecordedResponse{200, {{"content-type", "text/event-stream"}}, events}, true);
    ASSERT_TRUE(out.error);
    EXPECT_THROW(std::rethrow_exception(out.error), ErrorAuth);
    expect_no_piece_of_the_key(everything_shown(out.error, out.events));
}

TEST(KeyRedaction, ABodyThatIsNotJsonButEchoesTheKeyShowsNoneOfIt) {
    // Quoted in a protocol error (a 200 that is not JSON) and in a 500's text.
    const std::string text = "<html>proxy error for Authorization: Bearer " + key + "</html>";
    for (int status : {200, 500}) {
        const Outcome out = run_against(RecordedResponse{status, {{"content-type", "text/html"}}, text}, false);
        ASSERT_TRUE(out.error);
        expect_no_piece_of_the_key(everything_shown(out.error, out.events));
    }
}
