#include "run_state.hpp"

#include <boost/asio/this_coro.hpp>

namespace agentroute::detail {

boost::asio::awaitable<std::optional<std::int64_t>> checkpoint(RunState& state) {
    auto cancellation = co_await boost::asio::this_coro::cancellation_state;
    if (cancellation.cancelled() != boost::asio::cancellation_type::none) {
        throw ErrorCancelled(state.usage);
    }
    if (state.deadline && std::chrono::steady_clock::now() >= *state.deadline) {
        throw ErrorDeadline(state.usage);
    }
    const AgentOptions& options = state.core->options();
    if (state.turn >= options.max_turns) {
        throw ErrorMaxTurns(state.turn + 1, options.max_turns, state.usage);
    }
    if (!options.max_cost) co_return std::nullopt;

    check_budget(state);
    std::optional<ModelPrice> price = co_await state.model->price();
    if (!price || price->completion <= 0) co_return std::nullopt;

    // The prompt's cost is known before sending only by estimate (~4 characters a token); the
    // answer's worst case is bounded exactly by capping max_tokens at what the rest buys.
    std::size_t chars = 0;
    for (const Message& m : state.messages) {
        chars += m.content.size() + m.reasoning.size() + 16;
        for (const ToolCall& c : m.tool_calls) chars += c.name.size() + c.arguments.size() + 16;
    }
    for (const ToolDefinition& t : state.core->tool_definitions()) {
        chars += t.name.size() + t.description.size() + t.parameters_schema.size();
    }
    const double prompt_cost = static_cast<double>(chars) / 4.0 * price->prompt + price->request;
    const double left = *options.max_cost - state.usage.total_cost_usd - prompt_cost;
    const double affordable = left / price->completion;
    if (affordable < 1.0) {
        throw ErrorBudget(state.usage.total_cost_usd, *options.max_cost, state.usage);
    }
    co_return static_cast<std::int64_t>(std::min(affordable, 1e9));
}

void check_budget(const RunState& state) {
    const auto& limit = state.core->options().max_cost;
    if (limit && state.usage.total_cost_usd > *limit) {
        throw ErrorBudget(state.usage.total_cost_usd, *limit, state.usage);
    }
}

}  // namespace agentroute::detail
