#include <agentroute/usage.hpp>

#include <iomanip>
#include <ostream>

namespace agentroute {

std::ostream& operator<<(std::ostream& os, const Usage& usage) {
    std::ios_base::fmtflags flags = os.flags();
    os << "input_tokens=" << usage.input_tokens << " output_tokens=" << usage.output_tokens
       << " total_cost_usd=" << std::fixed << std::setprecision(6) << usage.total_cost_usd
       << (usage.cost_estimated ? " (estimated)" : "") << " model_calls=" << usage.model_calls;
    os.flags(flags);
    return os;
}

}  // namespace agentroute
