#include <agentroute/usage.hpp>

#include <algorithm>
#include <iomanip>
#include <ostream>

namespace agentroute {

std::ostream& operator<<(std::ostream& os, const Usage& usage) {
    std::ios_base::fmtflags flags = os.flags();
    os << "input_tokens=" << usage.input_tokens << " output_tokens=" << usage.output_tokens
       << " total_cost_usd=" << std::fixed << std::setprecision(6) << usage.total_cost_usd
       << (usage.cost_unknown ? " (cost unknown)" : usage.cost_estimated ? " (estimated)" : "")
       << " model_calls=" << usage.model_calls;
    if (usage.cached_input_tokens != 0) os << " cached_input_tokens=" << usage.cached_input_tokens;
    if (usage.cache_write_tokens != 0) os << " cache_write_tokens=" << usage.cache_write_tokens;
    if (usage.reasoning_tokens != 0) os << " reasoning_tokens=" << usage.reasoning_tokens;
    os.flags(flags);
    return os;
}

const char* to_string(CostSource source) noexcept {
    switch (source) {
        case CostSource::billed: return "billed";
        case CostSource::generation: return "generation";
        case CostSource::estimated: return "estimated";
        case CostSource::unknown: return "unknown";
    }
    return "unknown";
}

std::vector<AgentUsage> usage_by_agent(std::span<const CallUsage> calls) {
    std::vector<AgentUsage> agents;
    for (const CallUsage& call : calls) {
        auto it = std::find_if(agents.begin(), agents.end(), [&](const AgentUsage& a) { return a.agent == call.agent; });
        if (it == agents.end()) it = agents.insert(agents.end(), AgentUsage{call.agent, {}});
        it->usage += call.usage;
    }
    return agents;
}

}  // namespace agentroute
