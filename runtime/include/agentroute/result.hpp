#pragma once

#include <agentroute/detail/output_text.hpp>
#include <agentroute/handoff.hpp>
#include <agentroute/messages.hpp>
#include <agentroute/usage.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace agentroute {

/// What a successful run returns.
template <class T>
struct Result {
    /// The final answer, parsed and validated.
    T output;
    /// Tokens, USD cost and model calls of the whole run (summaries and retries included).
    Usage usage{};
    /// The whole conversation, instructions first; pass it as `RunOptions::message_history` to
    /// continue.
    std::vector<Message> messages{};
    /// The run's id.
    std::string run_id{};
    /// One record per model call, in order: the model that answered, its generation id,
    /// tokens, cost and where the cost comes from, latency, attempts. `usage` is their sum.
    std::vector<CallUsage> calls{};
    /// The agent that gave the answer: the run's own, or the last one a handoff passed the
    /// conversation to (`AgentOptions::name`).
    std::string agent{};
    /// The handoffs of the run, in order; empty when the run's own agent answered.
    std::vector<Handoff> handoffs{};

    /// What each agent of the run's tree spent (agents used as tools included).
    std::vector<AgentUsage> usage_by_agent() const { return agentroute::usage_by_agent(calls); }
};

/// The output as text: the answer itself for `Result<std::string>`, JSON for typed outputs.
/// The C++ spelling of the spec's `str(result)`.
template <class T>
std::string to_string(const Result<T>& result) {
    return detail::output_text(result.output);
}

template <class T>
std::ostream& operator<<(std::ostream& os, const Result<T>& result) {
    return os << to_string(result);
}

}  // namespace agentroute
