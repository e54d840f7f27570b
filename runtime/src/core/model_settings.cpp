#include <agentroute/errors.hpp>
#include <agentroute/model_settings.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>
#include <array>
#include <string_view>

namespace agentroute {

namespace json = boost::json;

namespace {

// Members the request builder writes itself or from a typed field: `extra_body` may not name
// them, so that no member is ever sent twice.
constexpr std::array<std::string_view, 29> written_members{
    "model",          "messages",          "tools",           "tool_choice",      "parallel_tool_calls",
    "response_format", "provider",         "models",          "session_id",       "max_tokens",
    "stream",         "usage",             "reasoning",       "seed",             "temperature",
    "top_p",          "top_k",             "min_p",           "top_a",            "frequency_penalty",
    "presence_penalty", "repetition_penalty", "stop",         "transforms",       "preset",
    "stream_options", "plugins",           "user",            "prompt",
};

json::object parse_object(std::string_view text, std::string_view field) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) {
        throw ErrorConfig("ModelSettings::" + std::string(field) + " must be a JSON object text, got: " +
                          std::string(text.substr(0, 200)));
    }
    return std::move(v.get_object());
}

template <class T>
void take(std::optional<T>& into, const std::optional<T>& from) {
    if (from) into = from;
}

}  // namespace

ModelSettings merge(const ModelSettings& agent, const ModelSettings& run) {
    ModelSettings s = agent;
    take(s.tool_choice, run.tool_choice);
    take(s.parallel_tool_calls, run.parallel_tool_calls);
    take(s.reasoning, run.reasoning);
    take(s.seed, run.seed);
    take(s.temperature, run.temperature);
    take(s.top_p, run.top_p);
    take(s.top_k, run.top_k);
    take(s.min_p, run.min_p);
    take(s.top_a, run.top_a);
    take(s.frequency_penalty, run.frequency_penalty);
    take(s.presence_penalty, run.presence_penalty);
    take(s.repetition_penalty, run.repetition_penalty);
    take(s.stop, run.stop);
    take(s.max_tokens, run.max_tokens);
    take(s.transforms, run.transforms);
    take(s.preset, run.preset);
    take(s.stream_include_usage, run.stream_include_usage);
    take(s.plugins, run.plugins);
    take(s.server_tools, run.server_tools);
    take(s.user, run.user);
    take(s.session_id, run.session_id);
    if (!run.extra_body.empty()) {
        if (agent.extra_body.empty()) {
            s.extra_body = run.extra_body;
        } else {
            json::object merged = parse_object(agent.extra_body, "extra_body");
            for (const auto& member : parse_object(run.extra_body, "extra_body")) merged[member.key()] = member.value();
            s.extra_body = json::serialize(merged);
        }
    }
    return s;
}

void validate(const ModelSettings& settings) {
    const std::pair<std::string_view, const std::optional<double>*> numbers[] = {
        {"temperature", &settings.temperature},
        {"top_p", &settings.top_p},
        {"min_p", &settings.min_p},
        {"top_a", &settings.top_a},
        {"frequency_penalty", &settings.frequency_penalty},
        {"presence_penalty", &settings.presence_penalty},
        {"repetition_penalty", &settings.repetition_penalty},
    };
    for (const auto& [name, value] : numbers) {
        if (*value && !std::isfinite(**value)) {
            throw ErrorConfig("ModelSettings::" + std::string(name) + " must be a finite number");
        }
    }
    if (settings.tool_choice && settings.tool_choice->mode == ToolChoice::Mode::function &&
        settings.tool_choice->function.empty()) {
        throw ErrorConfig("ModelSettings::tool_choice names no tool: use ToolChoice::tool(\"name\")");
    }
    if (settings.plugins) {
        for (const Plugin& p : *settings.plugins) {
            if (p.id.empty()) throw ErrorConfig("ModelSettings::plugins: a plugin has no id");
            if (!p.options.empty()) {
                const json::object options = parse_object(p.options, "plugins[].options");
                if (options.contains("id")) {
                    throw ErrorConfig("ModelSettings::plugins: plugin '" + p.id + "' sets its id in options too");
                }
            }
        }
    }
    if (settings.server_tools) {
        for (const ServerTool& t : *settings.server_tools) {
            if (t.type.empty()) throw ErrorConfig("ModelSettings::server_tools: a server tool has no type");
            if (!t.parameters.empty()) parse_object(t.parameters, "server_tools[].parameters");
        }
    }
    if (settings.extra_body.empty()) return;
    for (const auto& member : parse_object(settings.extra_body, "extra_body")) {
        if (std::find(written_members.begin(), written_members.end(), std::string_view(member.key())) !=
            written_members.end()) {
            throw ErrorConfig("ModelSettings::extra_body sets \"" + std::string(member.key()) +
                              "\", which the request already has from its own field or option; set it there");
        }
    }
}

}  // namespace agentroute
