#pragma once

// The test doubles (ScriptedModel, FunctionModel, FakeOpenRouter) live in agentroute::testkit.
// Until 0.2 they were in agentroute::testing, which made `testing::` ambiguous with GoogleTest's
// ::testing under `using namespace agentroute`. Code not yet renamed may define
// AGENTROUTE_DEPRECATED_TESTING_NAMESPACE to get the old name back as an alias (with the
// ambiguity it brings); the alias goes away in 0.3.

#ifdef AGENTROUTE_DEPRECATED_TESTING_NAMESPACE
namespace agentroute {
namespace testkit {}
namespace testing = testkit;  // deprecated: use agentroute::testkit
}  // namespace agentroute
#endif
