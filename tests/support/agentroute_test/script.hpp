#pragma once

#include <agentroute/testing/scripted_model.hpp>

#include <memory>
#include <vector>

namespace agentroute::test {

/// A `ScriptedModel` answering `steps` in order, for tests that build one per case.
inline std::shared_ptr<testkit::ScriptedModel> script(std::vector<testkit::ScriptStep> steps,
                                                      testkit::ScriptedModelOptions options = {}) {
    return std::make_shared<testkit::ScriptedModel>(std::move(steps), std::move(options));
}

}  // namespace agentroute::test
