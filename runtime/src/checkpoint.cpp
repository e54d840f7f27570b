#include "run_state.hpp"

#include <boost/asio/this_coro.hpp>

namespace agentroute::detail {
namespace {

std::string model_of_unknown_cost(const RunState& state) {
    for (const CallUsage& call : state.calls) {
        if (call.cost_source == CostSource::unknown) return call.model.empty() ? "the history policy's model" : call.model;
    }
    return state.model->name();
}

}  // namespace

boost::asio::awaitable<std::optional<std::int64_t>> checkpoint(RunState& state) {
    auto cancellation = co_await boost::asio::this_coro::cancellation_state;
    if (cancellation.cancelled() != boost::asio::cancellation_type::none) {
        throw ErrorCancelled(state.usage);
    }
    if (state.deadline && std::chrono::steady_clock::now() >= *state.deadline) {
        throw ErrorDeadline(state.usage);
    }
    if (state.turn >= state.max_turns) {
        throw ErrorMaxTurns(state.turn + 1, state.max_turns, state.usage);
    }
    // The tightest ceiling of this run and the runs it is a child of: each bounds its tree.
    const RunState* limiting = nullptr;
    for (const RunState* level = &state; level; level = level->parent) {
        if (!level->max_cost) continue;
        if (level->usage.cost_unknown && !level->core->options().allow_unknown_cost) {
            throw ErrorCostUnknown(level->usage.total_cost_usd, *level->max_cost, model_of_unknown_cost(*level),
                                   level->usage);
        }
        if (!limiting || *level->max_cost - level->usage.total_cost_usd <
                             *limiting->max_cost - limiting->usage.total_cost_usd) {
            limiting = level;
        }
    }
    if (!limiting) co_return std::nullopt;
    check_budget(state);
    std::optional<ModelPrice> price = co_await state.model->price();
    if (!price || price->completion <= 0) co_return std::nullopt;

    // The prompt's cost is known before sending only by estimate; the answer's worst case is
    // bounded exactly by capping max_tokens at what the rest buys.
    const double prompt_cost = static_cast<double>(estimated_prompt_tokens(state)) * price->prompt + price->request;
    const double left = *limiting->max_cost - limiting->usage.total_cost_usd - prompt_cost;
    const double affordable = left / price->completion;
    if (affordable < 1.0) {
        throw ErrorBudget(limiting->usage.total_cost_usd, *limiting->max_cost, limiting->usage);
    }
    co_return static_cast<std::int64_t>(std::min(affordable, 1e9));
}

std::int64_t estimated_prompt_tokens(const RunState& state) {
    // The bytes of the request as it goes on the wire (JSON keys, roles, ids, the tools'
    // schemas, the request's own fields); what providers bill for their chat template (roles,
    // separators) is counted as part of each message's overhead.
    constexpr std::size_t request_overhead = 160;  // model, stream, usage, provider, ...
    constexpr std::size_t message_overhead = 40;   // {"role":"assistant","content":...} and template
    constexpr std::size_t call_overhead = 64;      // {"id":...,"type":"function","function":{...}}
    constexpr std::size_t tool_overhead = 64;      // {"type":"function","function":{"name":...}}
    std::size_t bytes = request_overhead;
    for (const Message& m : state.messages) {
        bytes += m.content.size() + m.reasoning.size() + m.tool_call_id.size() + message_overhead;
        for (const ContentPart& p : m.parts) bytes += detail::estimated_part_bytes(p);
        for (const ToolCall& c : m.tool_calls) bytes += c.id.size() + c.name.size() + c.arguments.size() + call_overhead;
    }
    for (const ToolDefinition& t : state.tool_definitions()) {
        bytes += t.name.size() + t.description.size() + t.parameters_schema.size() + tool_overhead;
    }
    if (state.core->output_schema()) bytes += state.core->output_schema()->schema.size() + tool_overhead;
    return estimated_tokens_for_request_bytes(bytes);
}

void check_budget(const RunState& state) {
    for (const RunState* level = &state; level; level = level->parent) {
        const auto& limit = level->max_cost;
        if (limit && level->usage.total_cost_usd > *limit) {
            throw ErrorBudget(level->usage.total_cost_usd, *limit, level->usage);
        }
    }
}

}  // namespace agentroute::detail
