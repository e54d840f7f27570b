#include "run_state.hpp"

#include <agentroute/history/policy.hpp>
#include <agentroute/history/tool_pairs.hpp>

namespace agentroute::detail {
namespace {

// What goes to the model this turn: the history policy's view of the conversation, repaired so
// that every tool call has its result. `storage` holds it when it differs from the original.
boost::asio::awaitable<std::span<const Message>> shape_history(RunState& state,
                                                              std::vector<Message>& storage) {
    std::span<const Message> view = state.messages;
    if (const auto& policy = state.core->options().history) {
        Usage spent;
        storage = co_await policy->apply(view, spent);
        state.usage += spent;
        check_budget(state);
        view = storage;
    }
    if (!tool_pairs_intact(view)) {
        storage = repair_tool_pairs(view);
        view = storage;
    }
    co_return view;
}

}  // namespace

boost::asio::awaitable<std::any> run_loop(RunState& state) {
    AgentCore& core = *state.core;
    Model& model = *core.model();
    const OutputSchema* output = core.output_schema() ? &*core.output_schema() : nullptr;
    std::function<void(std::string_view)> on_text_delta;
    if (state.options.on_event) {
        on_text_delta = [&state](std::string_view text) {
            state.emit({.kind = RunEvent::Kind::text_delta, .text = text});
        };
    }
    std::vector<Message> shaped;
    for (;;) {
        std::optional<std::int64_t> cap = co_await checkpoint(state);
        std::span<const Message> to_send = co_await shape_history(state, shaped);

        ModelRequest request{to_send, core.tool_definitions(), output, state.ctx.run_id(), cap,
                             on_text_delta};
        ModelResponse response;
        try {
            response = co_await model.request(std::move(request));
        } catch (const ErrorAgent& e) {
            state.usage += e.usage();  // a failed call may still have been billed
            throw;
        }
        ++state.turn;
        state.usage += response.usage;
        state.emit({.kind = RunEvent::Kind::usage, .usage = state.usage});
        state.messages.push_back(std::move(response.message));
        state.sync_context();
        check_budget(state);

        if (state.messages.back().has_tool_calls()) {
            const std::vector<ToolCall> calls = state.messages.back().tool_calls;
            for (const ToolCall& call : calls) {
                state.emit({.kind = RunEvent::Kind::tool_call, .call = &call});
            }
            co_await run_tool_calls(state, calls);
            continue;
        }

        std::string correction;
        try {
            std::any out = core.output_parser()(state.messages.back().content);
            for (const OutputValidator& validator : core.validators()) {
                co_await validator(state.ctx, out);
            }
            co_return out;
        } catch (const Retry& retry) {
            correction = retry.message();
        }
        state.count_retry(correction);
        state.messages.push_back(Message::user(correction));
        state.emit({.kind = RunEvent::Kind::tool_result, .message = &state.messages.back()});
        state.sync_context();
    }
}

}  // namespace agentroute::detail
