// The JSON body of POST /chat/completions, written straight into one string: messages with
// their content parts, tools, and every request parameter under its OpenRouter name.

#include "json_writer.hpp"
#include "openrouter_wire.hpp"

#include <agentroute/detail/reasoning_json.hpp>
#include <agentroute/errors.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace agentroute::net::detail {

namespace json = boost::json;

namespace {

// The members of a JSON object text, without its braces and surrounding blanks ("" when none).
std::string_view object_members(std::string_view object) {
    const auto open = object.find('{');
    const auto close = object.rfind('}');
    if (open == std::string_view::npos || close == std::string_view::npos || close <= open) return {};
    std::string_view inner = object.substr(open + 1, close - open - 1);
    while (!inner.empty() && std::isspace(static_cast<unsigned char>(inner.front()))) inner.remove_prefix(1);
    while (!inner.empty() && std::isspace(static_cast<unsigned char>(inner.back()))) inner.remove_suffix(1);
    return inner;
}

void append_number(std::string& out, double value, std::string_view field) {
    if (!std::isfinite(value)) throw ErrorConfig("ModelSettings::" + std::string(field) + " must be a finite number");
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, end);
}

void append_int(std::string& out, std::int64_t value) {
    char buffer[24];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, end);
}

void append_strings(std::string& out, const std::vector<std::string>& items) {
    out += '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, items[i]);
    }
    out += ']';
}

void append_cache(std::string& out, const CacheControl& c) {
    out += R"({"type":)";
    append_json_string(out, c.type.empty() ? std::string_view("ephemeral") : std::string_view(c.type));
    if (!c.ttl.empty()) {
        out += R"(,"ttl":)";
        append_json_string(out, c.ttl);
    }
    out += '}';
}

// A JSON object text with `extra` members (",\"k\":v", or "") added before its closing brace.
void append_object_with(std::string& out, std::string_view object, std::string_view extra) {
    const std::string_view members = object_members(object);
    out += '{';
    out += members;
    if (!extra.empty()) out += members.empty() ? extra.substr(1) : extra;
    out += '}';
}

void append_part(std::string& out, const ContentPart& p, const CacheControl* cache) {
    using Kind = ContentPart::Kind;
    std::string cache_member;
    if (cache) {
        cache_member = R"(,"cache_control":)";
        append_cache(cache_member, *cache);
    }
    switch (p.kind) {
        case Kind::text:
            out += R"({"type":"text","text":)";
            append_json_string(out, p.text);
            break;
        case Kind::image:
            out += R"({"type":"image_url","image_url":{"url":)";
            append_json_string(out, p.url);
            if (!p.detail.empty()) {
                out += R"(,"detail":)";
                append_json_string(out, p.detail);
            }
            out += '}';
            break;
        case Kind::file:
            out += R"({"type":"file","file":{)";
            if (!p.filename.empty()) {
                out += R"("filename":)";
                append_json_string(out, p.filename);
                out += ',';
            }
            out += R"("file_data":)";
            append_json_string(out, p.url);
            out += '}';
            break;
        case Kind::audio:
            out += R"({"type":"input_audio","input_audio":{"data":)";
            append_json_string(out, p.data);
            out += R"(,"format":)";
            append_json_string(out, p.format);
            out += '}';
            break;
        case Kind::video:
            out += R"({"type":"video_url","video_url":{"url":)";
            append_json_string(out, p.url);
            out += '}';
            break;
        case Kind::raw: {
            // Checked here too: the struct's fields are public, and the text goes out as it is.
            const std::string_view members = object_members(p.text);
            if (!is_valid_json(p.text) || p.text.find_first_not_of(" \t\r\n") != p.text.find('{')) {
                throw ErrorConfig("a raw content part is not a JSON object: " + p.text.substr(0, 200));
            }
            const bool has_own_cache = members.find("\"cache_control\"") != std::string_view::npos;
            append_object_with(out, p.text, has_own_cache ? std::string_view() : std::string_view(cache_member));
            return;
        }
    }
    out += cache_member;
    out += '}';
}

void append_content(std::string& out, const Message& m) {
    if (!m.parts.empty()) {
        out += '[';
        for (std::size_t i = 0; i < m.parts.size(); ++i) {
            const ContentPart& p = m.parts[i];
            if (i) out += ',';
            // A message's breakpoint is its last part's (where Anthropic puts it).
            const bool last = i + 1 == m.parts.size();
            const CacheControl* cache = p.cache_control ? &*p.cache_control
                                        : last && m.cache_control ? &*m.cache_control
                                                                  : nullptr;
            append_part(out, p, cache);
        }
        out += ']';
    } else if (m.role == Role::assistant && m.content.empty() && !m.tool_calls.empty()) {
        out += "null";  // see Message: the form every provider accepts
    } else if (m.cache_control) {
        out += '[';
        append_part(out, content::text(m.content), &*m.cache_control);
        out += ']';
    } else {
        append_json_string(out, m.content);
    }
}

void append_message(std::string& out, const Message& m) {
    out += R"({"role":)";
    append_json_string(out, to_string(m.role));
    if (m.role == Role::tool) {
        out += R"(,"tool_call_id":)";
        append_json_string(out, m.tool_call_id);
    }
    out += R"(,"content":)";
    append_content(out, m);
    if (!m.tool_calls.empty()) {
        out += R"(,"tool_calls":[)";
        for (std::size_t i = 0; i < m.tool_calls.size(); ++i) {
            const ToolCall& c = m.tool_calls[i];
            if (i) out += ',';
            out += R"({"id":)";
            append_json_string(out, c.id);
            out += R"(,"type":"function","function":{"name":)";
            append_json_string(out, c.name);
            out += R"(,"arguments":)";
            // Invalid arguments were answered with a correction; providers that re-parse the
            // history (Anthropic) would reject the request, so they go back as {}.
            append_json_string(out, is_valid_json(c.arguments) ? std::string_view(c.arguments) : "{}");
            out += "}}";
        }
        out += ']';
    }
    // Only reasoning as an answer gave it goes back: anything else would add fields to the
    // message (a corrupt stored conversation, a hand-made history).
    const bool answer_reasoning = !m.reasoning.empty() && agentroute::detail::is_reasoning_json(m.reasoning);
    if (const std::string_view members = answer_reasoning ? object_members(m.reasoning) : std::string_view();
        !members.empty()) {
        out += ',';
        out.append(members);
    }
    out += '}';
}

void append_tool_list(std::string& out, std::span<const ToolDefinition> tools, const std::vector<ServerTool>* server) {
    out += R"(,"tools":[)";
    bool first = true;
    for (const ToolDefinition& t : tools) {
        if (!std::exchange(first, false)) out += ',';
        out += R"({"type":"function","function":{"name":)";
        append_json_string(out, t.name);
        out += R"(,"description":)";
        append_json_string(out, t.description);
        out += R"(,"parameters":)";
        out += t.parameters_schema.empty() ? std::string_view(R"({"type":"object","properties":{}})")
                                           : std::string_view(t.parameters_schema);
        if (t.strict) out += *t.strict ? R"(,"strict":true)" : R"(,"strict":false)";
        out += '}';
        if (t.cache_control) {
            out += R"(,"cache_control":)";
            append_cache(out, *t.cache_control);
        }
        out += '}';
    }
    if (server) {
        for (const ServerTool& t : *server) {
            if (!std::exchange(first, false)) out += ',';
            out += R"({"type":)";
            append_json_string(out, t.type);
            if (!t.parameters.empty()) {
                out += R"(,"parameters":)";
                append_object_with(out, t.parameters, {});
            }
            out += '}';
        }
    }
    out += ']';
}

// "auto" and parallel calls when tools are offered and the settings say nothing.
void append_tool_choice(std::string& out, bool has_tools, const ModelSettings* settings) {
    const ToolChoice choice = settings && settings->tool_choice ? *settings->tool_choice : ToolChoice::automatic();
    if (has_tools || (settings && settings->tool_choice)) {
        out += R"(,"tool_choice":)";
        switch (choice.mode) {
            case ToolChoice::Mode::automatic: out += R"("auto")"; break;
            case ToolChoice::Mode::none: out += R"("none")"; break;
            case ToolChoice::Mode::required: out += R"("required")"; break;
            case ToolChoice::Mode::function:
                out += R"({"type":"function","function":{"name":)";
                append_json_string(out, choice.function);
                out += "}}";
                break;
        }
    }
    const std::optional<bool> parallel = settings ? settings->parallel_tool_calls : std::nullopt;
    if (parallel || has_tools) out += parallel.value_or(true) ? R"(,"parallel_tool_calls":true)" : R"(,"parallel_tool_calls":false)";
}

void append_tools(std::string& out, std::span<const ToolDefinition> tools, const ModelSettings* settings) {
    const std::vector<ServerTool>* server = settings && settings->server_tools ? &*settings->server_tools : nullptr;
    if (!tools.empty() || (server && !server->empty())) append_tool_list(out, tools, server);
    append_tool_choice(out, !tools.empty(), settings);
}

void append_reasoning(std::string& out, const ReasoningSettings& r) {
    out += R"(,"reasoning":{)";
    bool first = true;
    auto member = [&](std::string_view name) {
        if (!std::exchange(first, false)) out += ',';
        append_json_string(out, name);
        out += ':';
    };
    if (r.effort) {
        member("effort");
        append_json_string(out, *r.effort);
    }
    if (r.max_tokens) {
        member("max_tokens");
        append_int(out, *r.max_tokens);
    }
    if (r.exclude) {
        member("exclude");
        out += *r.exclude ? "true" : "false";
    }
    if (r.enabled) {
        member("enabled");
        out += *r.enabled ? "true" : "false";
    }
    out += '}';
}

// Sampling, reasoning and OpenRouter's own parameters; `max_tokens` and `session_id` are
// written by the caller, which combines them with the run's.
void append_settings(std::string& out, const ModelSettings& s) {
    if (s.reasoning) append_reasoning(out, *s.reasoning);
    if (s.seed) {
        out += R"(,"seed":)";
        append_int(out, *s.seed);
    }
    const std::pair<const char*, const std::optional<double>*> sampling[] = {
        {"temperature", &s.temperature},
        {"top_p", &s.top_p},
        {"min_p", &s.min_p},
        {"top_a", &s.top_a},
        {"frequency_penalty", &s.frequency_penalty},
        {"presence_penalty", &s.presence_penalty},
        {"repetition_penalty", &s.repetition_penalty},
    };
    for (const auto& [name, value] : sampling) {
        if (!*value) continue;
        out += ",\"";
        out += name;
        out += "\":";
        append_number(out, **value, name);
    }
    if (s.top_k) {
        out += R"(,"top_k":)";
        append_int(out, *s.top_k);
    }
    if (s.stop) {
        out += R"(,"stop":)";
        append_strings(out, *s.stop);
    }
    if (s.transforms) {
        out += R"(,"transforms":)";
        append_strings(out, *s.transforms);
    }
    if (s.preset) {
        out += R"(,"preset":)";
        append_json_string(out, *s.preset);
    }
    if (s.stream_include_usage) {
        out += *s.stream_include_usage ? R"(,"stream_options":{"include_usage":true})"
                                       : R"(,"stream_options":{"include_usage":false})";
    }
    if (s.plugins) {
        out += R"(,"plugins":[)";
        for (std::size_t i = 0; i < s.plugins->size(); ++i) {
            const Plugin& p = (*s.plugins)[i];
            if (i) out += ',';
            std::string id = R"(,"id":)";
            append_json_string(id, p.id);
            append_object_with(out, p.options, id);
        }
        out += ']';
    }
    if (s.user) {
        out += R"(,"user":)";
        append_json_string(out, *s.user);
    }
    if (!s.extra_body.empty()) {
        // Re-serialized, not copied: a member named twice in the text goes out once.
        boost::system::error_code ec;
        const json::value extra = json::parse(s.extra_body, ec);
        if (ec || !extra.is_object()) throw ErrorConfig("ModelSettings::extra_body must be a JSON object text");
        for (const auto& member : extra.get_object()) {
            out += ',';
            append_json_string(out, member.key());
            out += ':';
            out += json::serialize(member.value());
        }
    }
}

}  // namespace

std::string with_required_parameters(std::string_view provider) {
    json::object p;
    if (!provider.empty()) {
        boost::system::error_code ec;
        json::value parsed = json::parse(provider, ec);
        if (ec || !parsed.is_object()) {
            throw ErrorConfig("OpenRouterOptions::provider must be a JSON object, e.g. {\"sort\":\"price\"}; got: " +
                              std::string(provider.substr(0, 200)));
        }
        p = std::move(parsed.get_object());
    }
    p["require_parameters"] = true;
    return json::serialize(p);
}

namespace {

// `prefix` (plain ASCII, no escapes) and `text` as one JSON string.
void append_prefixed_json_string(std::string& out, std::string_view prefix, std::string_view text) {
    const std::size_t quote = out.size();
    append_json_string(out, text);
    out.insert(quote + 1, prefix);
}

}  // namespace

std::string build_chat_request(const ModelRequest& request, const WireOptions& options) {
    const ModelSettings* settings = request.settings;
    if (settings) validate(*settings);
    std::string out;
    std::size_t estimate = 256;
    for (const Message& m : request.messages) {
        estimate += m.content.size() + m.reasoning.size() + 64;
        for (const ContentPart& p : m.parts) estimate += p.text.size() + p.url.size() + p.data.size() + 64;
    }
    for (const ToolDefinition& t : request.tools) estimate += t.parameters_schema.size() + t.description.size() + 96;
    out.reserve(estimate);

    out += R"({"model":)";
    append_json_string(out, options.model);
    out += R"(,"messages":[)";
    for (std::size_t i = 0; i < request.messages.size(); ++i) {
        if (i) out += ',';
        append_message(out, request.messages[i]);
    }
    out += ']';
    append_tools(out, request.tools, settings);
    std::string_view provider = options.provider;
    std::string typed;
    if (request.output) {
        out += R"(,"response_format":{"type":"json_schema","json_schema":{"name":)";
        append_json_string(out, request.output->name.empty() ? "final_result" : request.output->name);
        if (!request.output->description.empty()) {
            out += R"(,"description":)";
            append_json_string(out, request.output->description);
        }
        out += request.output->strict ? R"(,"strict":true,"schema":)" : R"(,"strict":false,"schema":)";
        out += request.output->schema;
        out += "}}";
        // Only providers that honour response_format may serve a typed answer.
        typed = options.typed_provider.empty() ? with_required_parameters(options.provider) : options.typed_provider;
        provider = typed;
    }
    if (!provider.empty()) {
        out += R"(,"provider":)";
        out += provider;
    }
    if (!options.fallback_models.empty()) {
        out += R"(,"models":)";
        append_strings(out, options.fallback_models);
    }
    const std::string_view session = settings && settings->session_id ? std::string_view(*settings->session_id)
                                                                       : request.run_id;
    if (!session.empty()) {
        out += R"(,"session_id":)";
        append_json_string(out, session);
    }
    if (request.trace) {
        // OpenRouter's own trace object: its spans (and its broadcast to a tracing backend)
        // nest under the call's span. Written in place: no strings of its own.
        out += R"(,"trace":{"trace_id":")";
        request.trace->append_trace_id_hex(out);
        out += R"(","parent_span_id":")";
        request.trace->append_span_id_hex(out);
        out += R"(","span_name":)";
        append_prefixed_json_string(out, "chat ", options.model);
        if (!request.agent.empty()) {
            out += R"(,"trace_name":)";
            append_prefixed_json_string(out, "invoke_agent ", request.agent);
        }
        out += '}';
    }
    std::optional<std::int64_t> max_tokens = request.max_output_tokens;
    if (settings && settings->max_tokens) {
        max_tokens = max_tokens ? std::min(*max_tokens, *settings->max_tokens) : *settings->max_tokens;
    }
    if (max_tokens) {
        out += R"(,"max_tokens":)";
        append_int(out, *max_tokens);
    }
    if (settings) append_settings(out, *settings);
    out += options.stream ? R"(,"stream":true)" : R"(,"stream":false)";
    out += R"(,"usage":{"include":true}})";
    return out;
}

}  // namespace agentroute::net::detail
