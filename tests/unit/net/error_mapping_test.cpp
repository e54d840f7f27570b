// What an OpenRouter error says: one period between sentences, no empty model name, and the
// key (echoed by the server) never.

#include "error_mapping.hpp"

#include <agentroute/errors.hpp>

#include <agentroute_test/fake_keys.hpp>

#include <gtest/gtest.h>

using namespace agentroute;
using namespace agentroute::net::detail;

namespace {

std::string what_of(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    }
}

}  // namespace

TEST(ErrorMapping, ASentenceThatEndsInAPeriodGetsNoSecondOne) {
    WireError e;
    e.status = 401;
    e.message = "User not found.";
    const std::string what = what_of(to_exception(e, "openai/gpt-4o", {}, {}, "sk-or-v1-k"));
    EXPECT_EQ(what.find(".."), std::string::npos) << what;
    EXPECT_NE(what.find("User not found. Check the key"), std::string::npos) << what;
    e.message = "no credits";
    e.status = 402;
    EXPECT_NE(what_of(to_exception(e, "m", {}, {}, "")).find("no credits. Add credits"), std::string::npos);
}

TEST(ErrorMapping, AnErrorOfNoModelNamesNone) {
    WireError e;
    e.status = 401;
    e.message = "User not found.";
    const std::string what = what_of(to_exception(e, "", {}, {}, ""));  // GET /key, as `agentroute login` asks
    EXPECT_EQ(what.find("for model"), std::string::npos) << what;
    EXPECT_NE(what_of(to_exception(e, "openai/gpt-4o", {}, {}, "")).find("for model 'openai/gpt-4o'"), std::string::npos);
}

TEST(ErrorMapping, EveryServerTextIsRedacted) {
    const std::string key = agentroute::test::fake_openrouter_key(7);
    WireError e;
    e.status = 401;
    e.code = key;
    e.message = "Invalid API key provided: " + key;
    e.raw = "raw " + key;
    e.provider_name = key;
    e.error_type = key;
    try {
        std::rethrow_exception(to_exception(e, "m", {}, {}, key));
    } catch (const ErrorHttp& x) {
        for (const std::string& text : {std::string(x.what()), x.provider_message(), x.details().code,
                                        x.details().provider_name, x.details().error_type}) {
            EXPECT_EQ(text.find(key.substr(9, 16)), std::string::npos) << text;
        }
    }
}
