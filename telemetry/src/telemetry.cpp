#include <agentroute/telemetry/telemetry.hpp>

#include "content_capture.hpp"
#include "metrics.hpp"

#include <agentroute/errors.hpp>
#include <agentroute/net/pool_stats.hpp>

#include <atomic>

namespace agentroute::telemetry {
namespace {

void add(Span& span, std::string_view key, AttributeValue value) {
    span.attributes.push_back(Attribute{key, std::move(value)});
}

void add_if(Span& span, std::string_view key, std::string_view value) {
    if (!value.empty()) add(span, key, std::string(value));
}

// The request parameters the conventions name (gen_ai.request.*).
void add_settings(Span& span, const ModelSettings& s) {
    if (s.temperature) add(span, "gen_ai.request.temperature", *s.temperature);
    if (s.top_p) add(span, "gen_ai.request.top_p", *s.top_p);
    if (s.top_k) add(span, "gen_ai.request.top_k", static_cast<double>(*s.top_k));  // a double in the conventions
    if (s.frequency_penalty) add(span, "gen_ai.request.frequency_penalty", *s.frequency_penalty);
    if (s.presence_penalty) add(span, "gen_ai.request.presence_penalty", *s.presence_penalty);
    if (s.seed) add(span, "gen_ai.request.seed", *s.seed);
        if (s.stop && !s.stop->empty()) add(span, "gen_ai.request.stop_sequences", *s.stop);
}

std::string what_of(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown error";
    }
}

void set_error(Span& span, const std::exception_ptr& error) {
    add(span, "error.type", std::string(agentroute::error_type(error)));
    span.status = StatusCode::error;
    span.status_message = what_of(error);
}

}  // namespace

/// A span in progress: the finished `Span` filling up, handed to the sinks at `end`.
class GenAiSpan final : public TraceSpan {
public:
    GenAiSpan(Telemetry& owner, const SpanStart& start, TraceContext context)
        : TraceSpan(context), owner_(owner), operation_(start.operation) {
        span_.context = context;
        if (start.parent) span_.parent_span_id = start.parent->span_id;
        span_.start = std::chrono::system_clock::now();
        describe(start);
        if (operation_ == SpanOperation::invoke_agent) owner_.metrics_->run_started(start.agent);
    }

    ~GenAiSpan() override {
        if (!ended_) end_as_cancelled();
    }

    void end(const SpanEnd& end) noexcept override {
        if (ended_) return;
        ended_ = true;
        try {
            span_.end = std::chrono::system_clock::now();
            conclude(end);
        } catch (...) {
            // Out of memory filling attributes: the span goes with what it has.
        }
        owner_.finish(span_);
    }

private:
    void end_as_cancelled() noexcept {
        try {
            SpanEnd end;
            end.error = std::make_exception_ptr(ErrorCancelled(Usage{}));
            this->end(end);
        } catch (...) {
        }
    }

    void describe(const SpanStart& start) {
        const TelemetryOptions& o = owner_.options();
        // Room for what is known at the start only: a span waits for the model with it, in
        // every run in flight; `conclude` makes room for the rest once.
        span_.attributes.reserve(operation_ == SpanOperation::chat ? 16 : 10);
        add(span_, "gen_ai.operation.name", std::string(to_string(operation_)));
        add_if(span_, "gen_ai.agent.name", start.agent);
        add_if(span_, "agentroute.agent.path", start.agent_path);
        add_if(span_, "agentroute.run.id", start.run_id);
        add_if(span_, "gen_ai.conversation.id", start.conversation_id);
        switch (operation_) {
            case SpanOperation::invoke_agent:
                span_.name = "invoke_agent " + std::string(start.agent);
                span_.kind = SpanKind::internal;  // the agent runs in this process
                add(span_, "gen_ai.provider.name", o.provider_name);
                add_if(span_, "gen_ai.request.model", start.model);
                if (o.capture_content && !start.instructions.empty()) {
                    add(span_, "gen_ai.system_instructions", detail::system_instructions_json(start.instructions));
                }
                break;
            case SpanOperation::chat:
                span_.name = "chat " + std::string(start.model);
                span_.kind = SpanKind::client;
                add(span_, "gen_ai.provider.name", o.provider_name);
                add_if(span_, "gen_ai.request.model", start.model);
                if (start.request) describe_request(*start.request, o.capture_content);
                break;
            case SpanOperation::execute_tool:
                span_.kind = SpanKind::internal;
                if (start.tool_call) {
                    span_.name = "execute_tool " + start.tool_call->name;
                    add(span_, "gen_ai.tool.name", start.tool_call->name);
                    add_if(span_, "gen_ai.tool.call.id", start.tool_call->id);
                    if (o.capture_content) add(span_, "gen_ai.tool.call.arguments", start.tool_call->arguments);
                } else {
                    span_.name = "execute_tool";
                }
                add(span_, "gen_ai.tool.type", std::string("function"));
                add_if(span_, "gen_ai.tool.description", start.tool_description);
                break;
        }
    }

    void describe_request(const ModelRequest& request, bool capture) {
        add(span_, "gen_ai.output.type", std::string(request.output ? "json" : "text"));
        if (request.max_output_tokens) add(span_, "gen_ai.request.max_tokens", *request.max_output_tokens);
        if (request.settings) add_settings(span_, *request.settings);
        if (capture) add(span_, "gen_ai.input.messages", detail::input_messages_json(request.messages));
    }

    void conclude(const SpanEnd& end) {
        const bool capture = owner_.options().capture_content;
        span_.attributes.reserve(span_.attributes.size() + (end.call ? 14 : 8));
        if (const CallUsage* call = end.call) {
            add_if(span_, "gen_ai.response.model", call->model);
            add_if(span_, "gen_ai.response.id", call->generation_id);
            const Usage& u = call->usage;
            add(span_, "gen_ai.usage.input_tokens", u.input_tokens);
            add(span_, "gen_ai.usage.output_tokens", u.output_tokens);
            if (u.cached_input_tokens) add(span_, "gen_ai.usage.cache_read.input_tokens", u.cached_input_tokens);
            if (u.cache_write_tokens) add(span_, "gen_ai.usage.cache_creation.input_tokens", u.cache_write_tokens);
            if (u.reasoning_tokens) add(span_, "gen_ai.usage.reasoning.output_tokens", u.reasoning_tokens);
            // The conventions have no cost attribute.
            add(span_, "agentroute.cost.usd", u.total_cost_usd);
            add(span_, "agentroute.cost.source", std::string(to_string(call->cost_source)));
            add(span_, "agentroute.http.attempts", static_cast<std::int64_t>(call->attempts));
        }
        if (!end.finish_reason.empty()) {
            add(span_, "gen_ai.response.finish_reasons", std::vector<std::string>{std::string(end.finish_reason)});
        }
        if (capture && end.output) {
            add(span_, "gen_ai.output.messages", detail::output_messages_json(*end.output, end.finish_reason));
        }
        if (operation_ == SpanOperation::execute_tool) {
            if (end.tool_correction) add(span_, "agentroute.tool.correction", true);
            if (capture && !end.error) add(span_, "gen_ai.tool.call.result", std::string(end.tool_result));
        }
        if (const Usage* u = end.usage) {
            // A run's totals (its children's included) under names of our own: a backend that
            // sums gen_ai.usage.* over a trace then counts each token once, on its chat span.
            add(span_, "agentroute.usage.input_tokens", u->input_tokens);
            add(span_, "agentroute.usage.output_tokens", u->output_tokens);
            add(span_, "agentroute.usage.cost_usd", u->total_cost_usd);
            add(span_, "agentroute.usage.model_calls", u->model_calls);
            add(span_, "agentroute.retries", static_cast<std::int64_t>(end.retries));
        }
        if (end.error) set_error(span_, end.error);
    }

    Telemetry& owner_;
    const SpanOperation operation_;
    bool ended_ = false;
    Span span_;
};

Telemetry::Telemetry(TelemetryOptions options)
    : options_(std::move(options)), metrics_(std::make_unique<detail::Metrics>(options_.metric_names)) {}

Telemetry::~Telemetry() = default;

std::unique_ptr<TraceSpan> Telemetry::start(const SpanStart& start) {
    const TraceContext context = start.parent ? start.parent->child() : TraceContext::new_root();
    return std::make_unique<GenAiSpan>(*this, start, context);
}

void Telemetry::finish(const Span& span) noexcept {
    try {
        metrics_->span_ended(span);
    } catch (...) {
        // A metric lost to a failed allocation must not end the run.
    }
    if (!span.context.sampled()) return;
    for (const std::shared_ptr<SpanSink>& sink : options_.sinks) sink->on_end(span);
}

std::string Telemetry::prometheus() const {
    std::uint64_t dropped = 0;
    for (const std::shared_ptr<SpanSink>& sink : options_.sinks) dropped += sink->dropped();
    return metrics_->prometheus(dropped, net::open_connections());
}

}  // namespace agentroute::telemetry
