#include "openrouter_wire.hpp"

#include "answer_reader.hpp"
#include "json_writer.hpp"

#include <agentroute/detail/finite_json.hpp>
#include <agentroute/errors.hpp>

#include <boost/json.hpp>

#include <cmath>

namespace agentroute::net::detail {

namespace json = boost::json;

namespace {

std::string text_of(const json::value* v) {
    if (!v) return {};
    if (v->is_string()) return std::string(v->get_string());
    if (v->is_int64()) return std::to_string(v->get_int64());
    if (v->is_uint64()) return std::to_string(v->get_uint64());
    if (v->is_double()) return json::serialize(*v);
    return {};
}

std::int64_t int_of(const json::value* v) {
    if (!v) return 0;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
    if (v->is_double()) return whole_number(v->get_double()).value_or(0);
    return 0;
}

const json::object* object_at(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v && v->is_object() ? &v->get_object() : nullptr;
}

WireError read_error(const json::object& error, int http_status) {
    WireError e;
    e.status = http_status;
    const json::value* code = error.if_contains("code");
    e.code = text_of(code);
    if (http_status == 200 || http_status == 0) {
        // In-body errors: a numeric code is the status the error stands for.
        const std::int64_t status = code && code->is_number() ? int_of(code) : 500;
        e.status = status >= 100 && status <= 599 ? static_cast<int>(status) : 500;
    }
    e.message = text_of(error.if_contains("message"));
    if (const auto* meta = object_at(error, "metadata")) {
        e.error_type = text_of(meta->if_contains("error_type"));
        e.provider_name = text_of(meta->if_contains("provider_name"));
        e.raw = text_of(meta->if_contains("raw"));
    }
    if (const auto* availability = object_at(error, "availability")) {
        e.availability = true;
        const json::value* retryable = availability->if_contains("retryable");
        e.retryable = retryable && retryable->is_bool() && retryable->get_bool();
        if (const json::value* after = availability->if_contains("retry_after"); after && after->is_number()) {
            e.retry_after_s = retry_hint_seconds(after->to_number<double>());
        }
        if (e.code.empty() && (http_status == 200 || http_status == 0)) e.status = 503;
    }
    return e;
}

void read_usage(const UsageFacts& usage, WireUsage& out) {
    if (!usage.present) return;
    out.present = true;
    out.invalid = usage.invalid;
    out.usage.input_tokens = usage.prompt_tokens;
    out.usage.output_tokens = usage.completion_tokens;
    out.usage.cached_input_tokens = usage.cached_tokens;
    out.usage.cache_write_tokens = usage.cache_write_tokens;
    out.usage.reasoning_tokens = usage.reasoning_tokens;
    if (usage.has_cost_details) out.cost_details = usage.cost_details;
    if (usage.cost_known) {
        out.usage.total_cost_usd = usage.cost;
        out.cost_known = true;
    }
}

std::string text_of(WireText&& t) { return std::move(t.text); }

// "reasoning" and "reasoning_details" as one opaque JSON object text, "" when neither.
// `details` may be null (none).
std::string reasoning_json(const std::string& text, bool has_text, const json::array* details) {
    // Details holding a number past a double's range cannot be sent back as JSON: dropped, the
    // reasoning text kept (found by fuzzing).
    const bool has_details = details != nullptr && !details->empty() && agentroute::detail::all_numbers_finite(*details);
    if (!has_text && !has_details) return {};
    json::object o;
    if (has_text) o["reasoning"] = text;
    if (has_details) o["reasoning_details"] = *details;
    return json::serialize(o);
}

}  // namespace

WireError parse_error_body(int status, std::string_view body) {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (!ec && v.is_object()) {
        if (const auto* error = object_at(v.get_object(), "error")) return read_error(*error, status);
    }
    WireError e;
    e.status = status;
    e.message = std::string(body.substr(0, 500));
    return e;
}

WireOutcome parse_chat_body(std::string_view body, std::string_view generation_id) {
    // What is kept as JSON (an error, reasoning details) lives only for this call: built on the
    // stack, it costs no heap allocations unless it is large.
    unsigned char scratch[4096];
    json::monotonic_resource resource(scratch, sizeof scratch);
    AnswerFacts facts(&resource);
    boost::system::error_code ec;
    read_answer(body, "message", facts, ec);
    if (ec) {
        throw ErrorProtocol("malformed response body from the server (" + ec.message() +
                            "): " + std::string(body.substr(0, 200)));
    }
    if (!facts.is_object) throw ErrorProtocol("the response body is not a JSON object");
    WireOutcome out;
    read_usage(facts.usage, out.usage);
    if (const json::object* error = facts.error.if_object()) {
        out.error = read_error(*error, 200);
        return out;
    }
    if (!facts.has_choice) throw ErrorProtocol("the response has no choices: " + std::string(body.substr(0, 200)));
    if (!facts.has_message) throw ErrorProtocol("the response's first choice has no message");

    ModelResponse r;
    r.message = Message::assistant(text_of(std::move(facts.content)));
    for (WireCall& c : facts.calls) {
        ToolCall call{text_of(std::move(c.id)), text_of(std::move(c.name)), text_of(std::move(c.arguments))};
        if (call.arguments.empty()) call.arguments = "{}";
        r.message.tool_calls.push_back(std::move(call));
    }
    const json::array* details = facts.reasoning_details.if_array();
    r.message.reasoning = reasoning_json(facts.reasoning.text, facts.reasoning.is_string, details);
    r.finish_reason = text_of(std::move(facts.finish_reason));
    r.model = text_of(std::move(facts.model));
    r.generation_id = !generation_id.empty() ? std::string(generation_id) : text_of(std::move(facts.id));
    r.usage = out.usage.usage;
    r.usage.model_calls = 1;
    out.response = std::move(r);
    return out;
}

namespace {
constexpr std::size_t max_reasoning_details = 4096;  // a model's reasoning is a few of them
}  // namespace

bool StreamAccumulator::on_event(std::string_view data) {
    saw_data_ = progress_ = true;
    if (data == "[DONE]") {
        done_ = true;
        return false;
    }
    // What is kept as JSON (an error, reasoning details) lives only for this call, in a buffer
    // on the stack: it needs no heap allocations unless it is large.
    unsigned char scratch[2048];
    json::monotonic_resource resource(scratch, sizeof scratch);
    AnswerFacts facts(&resource);
    facts.want_id = id_.empty();
    facts.want_model = model_.empty();
    boost::system::error_code ec;
    read_answer(data, "delta", facts, ec);
    if (ec || !facts.is_object) {
        malformed_ = std::string(data.substr(0, 200));
        return false;
    }
    if (id_.empty()) id_ = text_of(std::move(facts.id));
    if (model_.empty()) model_ = text_of(std::move(facts.model));
    read_usage(facts.usage, usage_);
    if (const json::object* error = facts.error.if_object()) {
        error_ = read_error(*error, 200);
        return true;  // keep reading: the usage of a failed stream may follow
    }
    if (!facts.has_choice) return true;
    if (!facts.finish_reason.text.empty()) finish_reason_ = std::move(facts.finish_reason.text);
    if (!facts.has_message) return true;
    if (facts.content.is_string && !facts.content.text.empty()) {
        text_.append(facts.content.text);
        if (on_text_delta_) on_text_delta_(facts.content.text);
        if (on_delta_) on_delta_(ModelDelta{.kind = ModelDelta::Kind::text, .text = facts.content.text});
    }
    const bool reasoning_streamed = facts.reasoning.is_string && !facts.reasoning.text.empty();
    if (facts.reasoning.is_string) {
        reasoning_text_.append(facts.reasoning.text);
        has_reasoning_ = true;
        if (on_delta_ && reasoning_streamed) {
            on_delta_(ModelDelta{.kind = ModelDelta::Kind::reasoning, .text = facts.reasoning.text});
        }
    }
    if (const json::array* details = facts.reasoning_details.if_array()) {
        for (const json::value& d : *details) {
            if (!d.is_object()) continue;
            // Providers send the same text as `reasoning` and as a detail: announced once.
            if (on_delta_ && !reasoning_streamed) announce_reasoning(d);
            // Fragments of one detail share its index and type: concatenate their text.
            json::object* same = nullptr;
            const json::value* index = d.get_object().if_contains("index");
            if (index && !details_.empty() && details_.back().is_object()) {
                json::object& last = details_.back().get_object();
                if (last.if_contains("index") && *last.if_contains("index") == *index &&
                    text_of(last.if_contains("type")) == text_of(d.get_object().if_contains("type"))) {
                    same = &last;
                }
            }
            if (!same) {
                // Bounded like a kept subtree: entries arrive an event at a time.
                if (details_.size() >= max_reasoning_details) {
                    malformed_ = "more than " + std::to_string(max_reasoning_details) + " reasoning_details entries";
                    return false;
                }
                details_.push_back(d);
                continue;
            }
            for (const auto& [key, value] : d.get_object()) {
                if ((key == "text" || key == "summary" || key == "data") && value.is_string()) {
                    std::string joined = text_of(same->if_contains(key)) + std::string(value.get_string());
                    (*same)[key] = joined;
                } else if (!value.is_null()) {
                    (*same)[key] = value;
                }
            }
        }
    }
    for (WireCall& call : facts.calls) {
        const auto index = static_cast<std::size_t>(call.index);
        if (index > 1024) continue;  // also a negative index
        if (calls_.size() <= index) calls_.resize(index + 1);
        PartialCall& partial = calls_[index];
        if (partial.id.empty()) partial.id = text_of(std::move(call.id));
        if (!call.has_function) continue;
        const bool starts = partial.name.empty();
        if (starts) partial.name = text_of(std::move(call.name));
        if (call.arguments.is_string) partial.arguments.append(call.arguments.text);
        if (on_delta_ && (starts || !call.arguments.text.empty())) {
            on_delta_(ModelDelta{.kind = ModelDelta::Kind::tool_call,
                                 .text = call.arguments.is_string ? std::string_view(call.arguments.text) : std::string_view{},
                                 .index = static_cast<int>(index),
                                 .id = starts ? std::string_view(partial.id) : std::string_view{},
                                 .name = starts ? std::string_view(partial.name) : std::string_view{}});
        }
    }
    return true;
}

// A reasoning detail's readable part (its text or summary; encrypted data is not text).
void StreamAccumulator::announce_reasoning(const json::value& detail) const {
    for (const char* key : {"text", "summary"}) {
        const json::value* v = detail.get_object().if_contains(key);
        if (v && v->is_string() && !v->get_string().empty()) {
            on_delta_(ModelDelta{.kind = ModelDelta::Kind::reasoning, .text = v->get_string()});
            return;
        }
    }
}

WireOutcome StreamAccumulator::finish(std::string_view generation_id) {
    if (!malformed_.empty()) throw ErrorProtocol("malformed stream event from the server: " + malformed_);
    WireOutcome out;
    out.usage = usage_;
    if (error_) {
        out.error = error_;
        return out;
    }
    // Without [DONE] the last chunk, which carries the usage, may be missing: a cut stream is
    // an error even after a finish_reason, so that no billed call goes unaccounted.
    if (!done_) throw ErrorProtocol("the response stream ended before [DONE] (truncated)");
    ModelResponse r;
    r.message = Message::assistant(std::move(text_));
    for (PartialCall& c : calls_) {
        if (c.name.empty() && c.id.empty()) continue;  // an index never filled
        if (c.arguments.empty()) c.arguments = "{}";
        r.message.tool_calls.push_back(ToolCall{std::move(c.id), std::move(c.name), std::move(c.arguments)});
    }
    r.message.reasoning = reasoning_json(reasoning_text_, has_reasoning_, &details_);
    r.finish_reason = std::move(finish_reason_);
    r.model = std::move(model_);
    r.generation_id = !generation_id.empty() ? std::string(generation_id) : std::move(id_);
    r.usage = usage_.usage;
    r.usage.model_calls = 1;
    out.response = std::move(r);
    return out;
}

}  // namespace agentroute::net::detail
