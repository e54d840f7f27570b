// `using namespace agentroute;` beside GoogleTest: the test doubles' namespace (testkit) does
// not make `testing::` ambiguous. This file does not compile when it does (the namespace was
// agentroute::testing until 0.2).

#include <agentroute/agentroute.hpp>
#include <agentroute/net/fake_openrouter.hpp>

#include <gtest/gtest.h>

using namespace agentroute;

namespace {

class UnqualifiedGoogleTest : public testing::TestWithParam<int> {};

}  // namespace

TEST_P(UnqualifiedGoogleTest, TestingMeansGoogleTest) {
    testkit::ScriptedModel model({testkit::ScriptedModel::text("hi")});
    EXPECT_EQ(model.name(), "test/scripted");
    EXPECT_GE(GetParam(), 0);
}

INSTANTIATE_TEST_SUITE_P(Values, UnqualifiedGoogleTest, testing::Values(0, 1));
