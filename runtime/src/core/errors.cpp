#include <agentroute/errors.hpp>

#include <cstdio>

namespace agentroute {
namespace {

// Four decimals for dollars and cents; significant digits for fractions of a cent.
std::string usd(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, v == 0 || v >= 0.01 ? "$%.4f" : "$%.3g", v);
    return buf;
}

}  // namespace

ErrorBudget::ErrorBudget(double spent, double limit, Usage usage)
    : ErrorAgent("cost ceiling reached: spent " + usd(spent) + " of max_cost " + usd(limit), usage),
      spent_(spent),
      limit_(limit) {}

ErrorMaxTurns::ErrorMaxTurns(int turn, int limit, Usage usage)
    : ErrorAgent("turn limit reached: turn " + std::to_string(turn) + " of max_turns " +
                     std::to_string(limit) + " (raise AgentOptions::max_turns for longer tool chains)",
                 usage),
      turn_(turn),
      limit_(limit) {}

ErrorRetries::ErrorRetries(int retries, const std::string& last_message, Usage usage)
    : ErrorAgent("the model needed more than " + std::to_string(retries) +
                     " corrective pass(es) (AgentOptions::retries); last correction: " + last_message,
                 usage),
      retries_(retries),
      last_message_(last_message) {}

ErrorCancelled::ErrorCancelled(Usage usage) : ErrorAgent("the run was cancelled", usage) {}

ErrorDeadline::ErrorDeadline(Usage usage)
    : ErrorAgent("the run's deadline passed (RunOptions::deadline)", usage) {}

}  // namespace agentroute
