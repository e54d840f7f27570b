#pragma once

// The recorded OpenRouter exchanges of ../shared/fixtures/openrouter (AGENTROUTE_SHARED_DIR),
// read in place.

#include <agentroute/net/fake_openrouter.hpp>

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace agentroute::test {

inline std::filesystem::path fixtures_dir() {
    const char* shared = std::getenv("AGENTROUTE_SHARED_DIR");
#ifdef AGENTROUTE_TEST_SHARED_DIR
    const char* fallback = AGENTROUTE_TEST_SHARED_DIR;
#else
    const char* fallback = "../shared";
#endif
    return std::filesystem::path(shared && *shared ? shared : fallback) / "fixtures" / "openrouter";
}

/// The whole fixture file `name` (e.g. "003-plain-gemini-flash-lite-preset.json") as JSON.
inline boost::json::value read_fixture(const std::string& name) {
    std::ifstream in(fixtures_dir() / name);
    std::stringstream text;
    text << in.rdbuf();
    return boost::json::parse(text.str());
}

/// The response half of a fixture, for `FakeOpenRouter::push_response`.
inline testkit::RecordedResponse recorded_response(const boost::json::value& fixture) {
    const boost::json::object& response = fixture.at("response").get_object();
    testkit::RecordedResponse recorded;
    recorded.status = response.at("status").to_number<int>();
    recorded.body = std::string(response.at("body_text").get_string());
    for (const auto& kv : response.at("headers").get_object()) {
        if (kv.value().is_string()) recorded.headers[std::string(kv.key())] = std::string(kv.value().get_string());
    }
    return recorded;
}

}  // namespace agentroute::test
