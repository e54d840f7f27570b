// Code written against the old namespace name still compiles when it asks for the alias.

#define AGENTROUTE_DEPRECATED_TESTING_NAMESPACE
#include <agentroute/agentroute.hpp>

#include <gtest/gtest.h>

TEST(TestingAlias, TheOldNameStillNamesTheTestDoubles) {
    agentroute::testing::ScriptedModel model({agentroute::testing::ScriptedModel::text("hi")});
    agentroute::Agent agent({.name = "legacy", .model = std::make_shared<agentroute::testkit::ScriptedModel>(
                                                   std::vector{agentroute::testkit::ScriptedModel::text("ok")})});
    EXPECT_EQ(agent.run_sync("hello").output, "ok");
    EXPECT_EQ(model.calls(), 0u);
}
