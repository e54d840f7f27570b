#include "partial_json.hpp"
#include "run_state.hpp"
#include "run_tracing.hpp"

#include <agentroute/history/policy.hpp>
#include <agentroute/history/tool_pairs.hpp>

namespace agentroute::detail {
namespace {

using Clock = std::chrono::steady_clock;

CostSource source_of(const Usage& usage) noexcept {
    return usage.cost_unknown ? CostSource::unknown : usage.cost_estimated ? CostSource::estimated : CostSource::billed;
}

// What the history policy spent (a summary's calls) is one record of its own; a policy that
// failed keeps what its failed call was billed.
void count_history_calls(RunState& state, const Usage& spent, bool failed = false) {
    if (spent == Usage{}) return;
    CallUsage call;
    call.usage = spent;
    call.cost_source = source_of(spent);
    call.attempts = static_cast<int>(spent.model_calls);
    call.failed = failed;
    call.purpose = CallPurpose::history;
    state.count_call(std::move(call));
}

// What goes to the model this turn: the history policy's view of the conversation, repaired so
// that every tool call has its result. `storage` holds it when it differs from the original.
boost::asio::awaitable<std::span<const Message>> shape_history(RunState& state,
                                                              std::vector<Message>& storage) {
    std::span<const Message> view = handoff_view(state, storage);
    if (const auto& policy = state.core->options().history) {
        Usage spent;
        try {
            storage = co_await policy->apply(view, spent);
        } catch (const ErrorAgent& e) {
            count_history_calls(state, spent + e.usage(), true);
            throw;
        }
        count_history_calls(state, spent);
        check_budget(state);
        view = storage;
    }
    if (!tool_pairs_intact(view)) {
        storage = repair_tool_pairs(view);
        view = storage;
    }
    co_return view;
}

// The bookkeeping around each answer lives in plain functions: a coroutine keeps every local
// and temporary of its body (events, messages) in its frame, which each run holds while it
// waits for the model.

// Counts the answer and keeps its message; throws when the budget is spent.
void record_answer(RunState& state, ModelResponse&& response, Clock::time_point sent, TraceSpan* span) {
    ++state.turn;
    CallUsage call;
    call.model = std::move(response.model);
    call.generation_id = std::move(response.generation_id);
    call.usage = response.usage;
    call.cost_source = std::max(response.cost_source, source_of(response.usage));  // a model may set only the flags
    call.cost_details = response.cost_details;
    call.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent);
    call.attempts = response.attempts;
    state.count_call(std::move(call));
    if (span) end_chat_span(*span, &state.calls.back(), response.finish_reason, &response.message, nullptr);
    state.emit({.kind = RunEvent::Kind::usage, .usage = state.usage, .model_call = &state.calls.back()});
    state.messages.push_back(std::move(response.message));
    state.sync_context();
    check_budget(state);
}

// A failed call keeps what it was billed: the model's record of it when it gives one.
void record_failed_records(RunState& state, const ErrorAgent& error, std::chrono::microseconds latency) {
    if (error.calls().empty()) {
        if (error.usage() == Usage{}) return;  // not billed, nothing to say
        CallUsage call;
        call.model = state.model->name();
        call.usage = error.usage();
        call.cost_source = source_of(error.usage());
        call.latency = latency;
        call.failed = true;
        state.count_call(std::move(call));
        return;
    }
    for (CallUsage call : error.calls()) {
        if (call.latency.count() == 0) call.latency = latency;
        call.failed = true;
        state.count_call(std::move(call));
    }
}

void record_failed_call(RunState& state, const ErrorAgent& error, Clock::time_point sent, TraceSpan* span,
                        const std::exception_ptr& thrown) {
    const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent);
    const std::size_t before = state.calls.size();
    record_failed_records(state, error, latency);
    if (span) {
        end_chat_span(*span, state.calls.size() > before ? &state.calls.back() : nullptr, {}, nullptr,
                      thrown);
    }
}

// The last message's tool calls, announced. A copy: the results go into `state.messages`.
std::vector<ToolCall> announce_tool_calls(const RunState& state) {
    std::vector<ToolCall> calls = state.messages.back().tool_calls;
    for (const ToolCall& call : calls) {
        state.emit({.kind = RunEvent::Kind::tool_call, .call = &call});
    }
    return calls;
}

// A validator's (or the parser's) correction goes back to the model as a user message.
void send_correction(RunState& state, const std::string& correction) {
    state.count_retry(correction);
    state.messages.push_back(Message::user(correction));
    state.emit({.kind = RunEvent::Kind::tool_result, .message = &state.messages.back()});
    state.sync_context();
}

}  // namespace

namespace {

// What an observed run hears from the model while it streams. Set up once per run; a run
// nobody observes sets up nothing and the model streams to no one.
struct StreamedParts {
    std::function<void(std::string_view)> on_text_delta;
    std::function<void(const ModelDelta&)> on_delta;
    std::unique_ptr<PartialOutput> partial;  // typed outputs only
};

// Null when nobody observes the run: its frame, held while the model answers, then carries
// one pointer rather than the callbacks.
std::unique_ptr<StreamedParts> streamed_parts(RunState& state, bool typed) {
    if (!state.observed()) return nullptr;
    auto parts = std::make_unique<StreamedParts>();
    if (typed) parts->partial = std::make_unique<PartialOutput>();
    parts->on_text_delta = [&state, partial = parts->partial.get()](std::string_view text) {
        state.emit({.kind = RunEvent::Kind::text_delta, .text = text});
        if (!partial) return;
        if (std::optional<std::string> members = partial->feed(text)) {
            state.emit({.kind = RunEvent::Kind::partial_output, .text = *members});
        }
    };
    // Text comes through on_text_delta (which every streaming model calls); the rest here.
    parts->on_delta = [&state](const ModelDelta& delta) {
        switch (delta.kind) {
            case ModelDelta::Kind::text: break;
            case ModelDelta::Kind::reasoning:
                state.emit({.kind = RunEvent::Kind::reasoning_delta, .text = delta.text});
                break;
            case ModelDelta::Kind::tool_call:
                if (!delta.name.empty() || !delta.id.empty()) {
                    const ToolCall started{std::string(delta.id), std::string(delta.name), {}};
                    state.emit({.kind = RunEvent::Kind::tool_call_started, .call = &started, .index = delta.index});
                }
                if (!delta.text.empty()) {
                    state.emit({.kind = RunEvent::Kind::tool_call_delta, .text = delta.text, .index = delta.index});
                }
                break;
        }
    };
    return parts;
}

}  // namespace

boost::asio::awaitable<std::any> run_loop(RunState& state) {
    // Agents a handoff passes the conversation between share the output type.
    const std::unique_ptr<StreamedParts> parts = streamed_parts(state, state.core->output_schema().has_value());
    std::vector<Message> shaped;
    for (;;) {
        // Read each turn: a handoff changes the agent, and with it the model.
        AgentCore& core = *state.core;
        Model& model = *state.model;
        const OutputSchema* output = core.output_schema() ? &*core.output_schema() : nullptr;
        if (state.observer && state.observer->behind()) co_await state.observer->ready();
        for (const auto& source : core.tool_sources()) co_await source->prepare();
        state.refresh_source_tools();
        std::optional<std::int64_t> cap = co_await checkpoint(state);
        std::span<const Message> to_send = co_await shape_history(state, shaped);
        ModelRequest request{to_send, state.tool_definitions(), output, state.ctx.run_id(), cap};
        request.settings = state.settings_for(core);
        if (parts) {
            if (parts->partial) parts->partial->reset();
            request.on_text_delta = parts->on_text_delta;
            request.on_delta = parts->on_delta;
        }
        std::unique_ptr<TraceSpan> call_span;
        if (state.tracer) {
            call_span = start_chat_span(state, request);
            request.trace = &call_span->context();
            request.agent = core.options().name;
        }
        bool answered = false;
        const Clock::time_point sent = Clock::now();
        try {
            // Initialized from the co_await itself: no second ModelResponse in the frame.
            ModelResponse response = co_await model.request(std::move(request));
            answered = true;
            record_answer(state, std::move(response), sent, call_span.get());
        } catch (const ErrorAgent& e) {
            // A failed call may still have been billed; the budget's error carries the run's
            // usage, which already counts this answer.
            if (!answered) record_failed_call(state, e, sent, call_span.get(), std::current_exception());
            throw;
        }

        if (state.messages.back().has_tool_calls()) {
            const std::vector<ToolCall> calls = announce_tool_calls(state);
            if (state.observer && state.observer->behind()) co_await state.observer->ready();
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
        send_correction(state, correction);
    }
}

}  // namespace agentroute::detail
