#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agentroute {

/// Whether and which tool the model must call (`tool_choice`).
struct ToolChoice {
    enum class Mode : std::uint8_t {
        automatic,  ///< "auto": the model decides
        none,       ///< "none": no tool call
        required,   ///< "required": at least one tool call
        function,   ///< `{"type":"function","function":{"name":...}}`: that tool
    };
    Mode mode = Mode::automatic;
    std::string function{};

    static ToolChoice automatic() { return {}; }
    static ToolChoice none() { return {Mode::none, {}}; }
    static ToolChoice required() { return {Mode::required, {}}; }
    /// The model must call the tool named `name`.
    static ToolChoice tool(std::string name) { return {Mode::function, std::move(name)}; }

    friend bool operator==(const ToolChoice&, const ToolChoice&) = default;
};

/// OpenRouter's `reasoning` object: how much the model thinks before it answers. Set `effort`
/// or `max_tokens`, not both.
struct ReasoningSettings {
    /// "xhigh", "high", "medium", "low", "minimal" or "none".
    std::optional<std::string> effort{};
    /// A thinking budget in tokens (Anthropic, Gemini).
    std::optional<std::int64_t> max_tokens{};
    /// Think, but leave the reasoning out of the answer.
    std::optional<bool> exclude{};
    /// Turn reasoning on at the provider's default effort.
    std::optional<bool> enabled{};

    friend bool operator==(const ReasoningSettings&, const ReasoningSettings&) = default;
};

/// An OpenRouter plugin (`plugins[]`): `id` ("web", "file-parser", "response-healing", ...)
/// and the plugin's other members as a JSON object text (`{"max_results":3}`, "" for none).
struct Plugin {
    std::string id{};
    std::string options{};

    friend bool operator==(const Plugin&, const Plugin&) = default;
};

/// A tool that runs at OpenRouter, not in this process (`{"type":"openrouter:web_search",
/// "parameters":{...}}` in `tools`): its results reach the model directly, and the answer may
/// cite them (`annotations`). `parameters` is a JSON object text ("" for none).
struct ServerTool {
    std::string type{};
    std::string parameters{};

    friend bool operator==(const ServerTool&, const ServerTool&) = default;
};

/// How the model is asked, beyond the messages and tools: OpenRouter's request parameters,
/// each under its wire name. Every field is optional and unset means "not sent" (the
/// provider's default). `AgentOptions::settings` holds an agent's, `RunOptions::settings` a
/// run's; a run's fields that are set replace the agent's, field by field (`extra_body`
/// members one by one). Fields only ever grow at the end.
struct ModelSettings {
    /// `tool_choice`; when tools are offered and this is unset, "auto".
    std::optional<ToolChoice> tool_choice{};
    /// `parallel_tool_calls`; when tools are offered and this is unset, true.
    std::optional<bool> parallel_tool_calls{};
    /// `reasoning`.
    std::optional<ReasoningSettings> reasoning{};
    /// `seed`: the same seed and parameters should give the same answer, where the provider
    /// supports it.
    std::optional<std::int64_t> seed{};
    /// `temperature`, `top_p`, `top_k`, `min_p`, `top_a`, `frequency_penalty`,
    /// `presence_penalty`, `repetition_penalty`: sampling.
    std::optional<double> temperature{};
    std::optional<double> top_p{};
    std::optional<std::int64_t> top_k{};
    std::optional<double> min_p{};
    std::optional<double> top_a{};
    std::optional<double> frequency_penalty{};
    std::optional<double> presence_penalty{};
    std::optional<double> repetition_penalty{};
    /// `stop`: sequences that end the answer.
    std::optional<std::vector<std::string>> stop{};
    /// `max_tokens`: a cap on generated tokens. Under a cost ceiling the smaller of this and
    /// what the remaining budget allows is sent.
    std::optional<std::int64_t> max_tokens{};
    /// `transforms` (e.g. {"middle-out"}); an empty list turns OpenRouter's defaults off.
    std::optional<std::vector<std::string>> transforms{};
    /// `preset`: a preset saved on OpenRouter ("@preset/name"), its settings applied there.
    std::optional<std::string> preset{};
    /// `stream_options.include_usage` (streamed answers; OpenRouter sends usage in the last
    /// chunk either way, since the request always asks for it with `usage.include`).
    std::optional<bool> stream_include_usage{};
    /// `plugins`.
    std::optional<std::vector<Plugin>> plugins{};
    /// Tools OpenRouter runs (web search and the like), sent in `tools` after the agent's.
    std::optional<std::vector<ServerTool>> server_tools{};
    /// `user`: the end user the request is made for (abuse monitoring, per-user analytics).
    std::optional<std::string> user{};
    /// `session_id`: groups a workflow's requests on OpenRouter; unset, the run id.
    std::optional<std::string> session_id{};
    /// The escape hatch: a JSON object text whose members are added to the request as they
    /// are, for parameters without a field here (`{"n":1,"max_completion_tokens":400}`).
    /// A member that the library writes itself (`model`, `messages`, `tools`, `stream`, ...)
    /// or that has a field above is refused with `ErrorConfig`, so nothing is sent twice.
    std::string extra_body{};

    friend bool operator==(const ModelSettings&, const ModelSettings&) = default;
};

/// `run` over `agent`: each field `run` sets replaces the agent's; `extra_body` objects merge,
/// the run's members winning.
ModelSettings merge(const ModelSettings& agent, const ModelSettings& run);

/// Throws `ErrorConfig` naming the field when `settings` cannot be sent: JSON texts that are
/// not objects, `extra_body` members the library writes itself or that have a field, a named
/// tool choice without a name, a plugin without an id, a server tool without a type.
void validate(const ModelSettings& settings);

}  // namespace agentroute
