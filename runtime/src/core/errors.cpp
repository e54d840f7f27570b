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

ErrorCostUnknown::ErrorCostUnknown(double spent, double limit, const std::string& model, Usage usage)
    : ErrorBudget("the cost of a call to " + model + " is unknown (no cost in the answer, no bill from "
                  "/generation, no catalogue price), so max_cost " + usd(limit) +
                      " cannot be kept: stopped before the next call with " + usd(spent) +
                      " known spent (AgentOptions::allow_unknown_cost runs on)",
                  spent, limit, usage) {}

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
