// A model given by name finds its key when a run starts, not when the agent is built (the
// spec: "it is read from the environment at run time"): an agent built before the key was set
// works once it is, and a rotated key (in the environment or the config file) is the one sent.

#include <agentroute/agent.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace agentroute;
using agentroute::testkit::FakeOpenRouter;
using agentroute::testkit::FakeOpenRouterOptions;

namespace {

class KeyAtRunTime : public ::testing::Test {
protected:
    void SetUp() override {
        for (const char* name : {"AGENTROUTE_API_KEY", "OPENROUTER_API_KEY"}) ::unsetenv(name);
        ::setenv("AGENTROUTE_BASE_URL", fake_.base_url().c_str(), 1);
        ::setenv("AGENTROUTE_CA_FILE", fake_.ca_file().c_str(), 1);
        char name[] = "/tmp/agentroute-keytime-XXXXXX";
        ASSERT_NE(::mkdtemp(name), nullptr);
        dir_ = name;
        ::setenv("AGENTROUTE_CONFIG", (dir_ / "config").c_str(), 1);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    void write_config(const std::string& key) {
        std::ofstream(dir_ / "config.new") << "api_key = " << key << "\n";
        std::filesystem::rename(dir_ / "config.new", dir_ / "config");
    }

    FakeOpenRouter fake_{FakeOpenRouterOptions{.api_key = "sk-or-v1-current"}};
    std::filesystem::path dir_;
};

}  // namespace

TEST_F(KeyAtRunTime, AnAgentBuiltBeforeTheKeyWasSetWorksOnceItIs) {
    Agent agent({.name = "early", .model = "openai/gpt-4o"});  // no key anywhere yet
    try {
        agent.run_sync("hello");
        FAIL() << "ran without a key";
    } catch (const ErrorConfig& e) {
        // Names the config file actually looked at.
        EXPECT_NE(std::string(e.what()).find((dir_ / "config").string()), std::string::npos) << e.what();
    }
    ::setenv("AGENTROUTE_API_KEY", "sk-or-v1-current", 1);
    EXPECT_FALSE(agent.run_sync("hello").output.empty());
    EXPECT_EQ(fake_.last_request_headers().at("authorization"), "Bearer sk-or-v1-current");
}

TEST_F(KeyAtRunTime, ARotatedKeyInTheEnvironmentIsTheOneSent) {
    ::setenv("OPENROUTER_API_KEY", "sk-or-v1-current", 1);
    Agent agent({.name = "rotating", .model = "openai/gpt-4o"});
    EXPECT_FALSE(agent.run_sync("hello").output.empty());
    ::setenv("OPENROUTER_API_KEY", "sk-or-v1-revoked", 1);
    EXPECT_THROW(agent.run_sync("hello"), ErrorAuth);  // the fake knows only the current key
    ::setenv("OPENROUTER_API_KEY", "sk-or-v1-current", 1);
    EXPECT_FALSE(agent.run_sync("hello").output.empty());
}

TEST_F(KeyAtRunTime, ARotatedKeyInTheConfigFileIsTheOneSent) {
    write_config("sk-or-v1-revoked");
    Agent agent({.name = "config", .model = "openai/gpt-4o"});
    EXPECT_THROW(agent.run_sync("hello"), ErrorAuth);
    write_config("sk-or-v1-current");  // `agentroute login` with the new key
    EXPECT_FALSE(agent.run_sync("hello").output.empty());
}

TEST_F(KeyAtRunTime, AnExplicitKeyStillWins) {
    ::setenv("AGENTROUTE_API_KEY", "sk-or-v1-revoked", 1);
    Agent agent({.name = "explicit", .model = "openai/gpt-4o", .api_key = "sk-or-v1-current"});
    EXPECT_FALSE(agent.run_sync("hello").output.empty());
    EXPECT_EQ(fake_.last_request_headers().at("authorization"), "Bearer sk-or-v1-current");
}

TEST_F(KeyAtRunTime, AnUnknownModelNameStillFailsWhenTheAgentIsBuilt) {
    EXPECT_THROW(Agent({.name = "bad", .model = "no-such-model-family"}), ErrorConfig);
}

TEST_F(KeyAtRunTime, ARunsOwnKeyIsTheOneSentAndTheAgentsStaysForOtherRuns) {
    ::setenv("AGENTROUTE_API_KEY", "sk-or-v1-revoked", 1);
    Agent agent({.name = "tenants", .model = "openai/gpt-4o"});
    RunOptions tenant;
    tenant.api_key = "sk-or-v1-current";  // e.g. a tenant's key from a secrets manager
    EXPECT_FALSE(agent.run_sync("hello", std::move(tenant)).output.empty());
    EXPECT_EQ(fake_.last_request_headers().at("authorization"), "Bearer sk-or-v1-current");
    EXPECT_THROW(agent.run_sync("hello"), ErrorAuth);  // the agent's own (revoked) key
}

TEST_F(KeyAtRunTime, ARunsOwnKeyReachesAnOpenRouterModelObject) {
    auto model = std::make_shared<OpenRouterModel>(OpenRouterOptions{
        .model = "openai/gpt-4o", .api_key = "sk-or-v1-revoked", .base_url = fake_.base_url(),
        .https = {.ca_file = fake_.ca_file()}});
    Agent agent({.name = "object", .model = model});
    RunOptions tenant;
    tenant.api_key = "sk-or-v1-current";
    EXPECT_FALSE(agent.run_sync("hello", std::move(tenant)).output.empty());
    EXPECT_EQ(fake_.last_request_headers().at("authorization"), "Bearer sk-or-v1-current");
}
