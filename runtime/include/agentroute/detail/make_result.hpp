#pragma once

#include <agentroute/detail/agent_core.hpp>
#include <agentroute/result.hpp>

#include <any>
#include <utility>

namespace agentroute::detail {

/// A run's outcome as the caller's `Result<T>`.
template <class T>
Result<T> make_result(RunOutcome&& out) {
    return Result<T>{std::any_cast<T&&>(std::move(out.output)), out.usage, std::move(out.messages),
                     std::move(out.run_id), std::move(out.calls), std::move(out.agent),
                     std::move(out.handoffs)};
}

}  // namespace agentroute::detail
