#pragma once

#include <agentroute/usage.hpp>

#include <span>

namespace agentroute::test {

/// The usage of these call records added up: a run's usage must equal its calls' sum.
inline Usage sum(std::span<const CallUsage> calls) {
    Usage total;
    for (const CallUsage& c : calls) total += c.usage;
    return total;
}

}  // namespace agentroute::test
