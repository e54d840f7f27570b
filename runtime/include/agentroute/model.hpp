#pragma once

#include <agentroute/messages.hpp>
#include <agentroute/model_settings.hpp>
#include <agentroute/trace_context.hpp>
#include <agentroute/usage.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace agentroute {

/// A tool as the model sees it: name, description and the JSON schema of its arguments
/// (serialized JSON text, derived from the argument type).
struct ToolDefinition {
    std::string name{};
    std::string description{};
    std::string parameters_schema{};
    /// `strict`: the provider holds the model's arguments to the schema exactly (OpenAI's
    /// structured outputs rules: every property required, `additionalProperties: false`).
    /// Unset: not sent (the provider's default, not strict).
    std::optional<bool> strict{};
    /// A prompt-caching breakpoint after the tool definitions up to this one.
    std::optional<CacheControl> cache_control{};
};

/// The JSON schema a structured final answer must follow.
struct OutputSchema {
    std::string name{};
    std::string schema{};
    /// `json_schema.description` ("" for none).
    std::string description{};
    /// `json_schema.strict`.
    bool strict = true;
};

/// Catalogue prices of a model in USD per token (and per request), used to estimate cost
/// when the provider reports none and to cap `max_tokens` under a cost ceiling.
struct ModelPrice {
    double prompt = 0;
    double completion = 0;
    double request = 0;
};

/// The prompt tokens a request of `bytes` (as sent) may be billed for, erring high: one for
/// every three bytes. Tokenizers put about four bytes of English prose in a token, three or
/// fewer of JSON, code or non-Latin text. The cost ceiling and the bill of an abandoned call
/// both estimate with it.
constexpr std::int64_t estimated_tokens_for_request_bytes(std::size_t bytes) noexcept {
    return static_cast<std::int64_t>((bytes + 2) / 3);
}

/// One streamed fragment of an answer, as the model produces it. Views valid during the call.
struct ModelDelta {
    enum class Kind : std::uint8_t {
        text,       ///< `text`: a fragment of the answer's text
        reasoning,  ///< `text`: a fragment of the provider's streamed reasoning
        tool_call,  ///< `text`: a fragment of call `index`'s arguments; `id` and `name` on the
                    ///< fragment that starts the call (empty on later ones)
    };
    Kind kind = Kind::text;
    std::string_view text{};
    int index = 0;
    std::string_view id{};
    std::string_view name{};
};

/// Everything one model call needs. The spans point into the run's own state, which outlives
/// the call.
struct ModelRequest {
    std::span<const Message> messages{};
    std::span<const ToolDefinition> tools{};
    const OutputSchema* output = nullptr;
    std::string_view run_id{};
    /// Upper bound on generated tokens, set by the cost ceiling; unset means the model's own.
    std::optional<std::int64_t> max_output_tokens{};
    /// Called with each streamed text fragment, when the model streams and this is set.
    std::function<void(std::string_view)> on_text_delta{};
    /// Called with every streamed fragment (text, reasoning, tool-call arguments), when the
    /// model streams and this is set. Text goes to both callbacks.
    std::function<void(const ModelDelta&)> on_delta{};
    /// The request parameters (sampling, tool choice, reasoning, plugins, ...); none when null.
    const ModelSettings* settings = nullptr;
    /// The call's span, when the run is traced: the OpenRouter model sends it as `traceparent`
    /// and as OpenRouter's `trace` object, so that OpenRouter's spans nest under it.
    const TraceContext* trace = nullptr;
    /// The agent making the call (OpenRouter's `trace.trace_name`), when traced.
    std::string_view agent{};
};

/// The model's answer to one call.
struct ModelResponse {
    /// The assistant message: text, tool calls, opaque reasoning.
    Message message = Message::assistant({});
    /// `stop`, `tool_calls`, `length`, `content_filter`, ... as reported by the provider.
    std::string finish_reason{};
    /// This call's usage (model_calls is 1 for a real call).
    Usage usage{};
    /// The model that actually answered (may differ from the requested slug).
    std::string model{};
    /// The provider's generation id, when it has one.
    std::string generation_id{};
    /// Where `usage.total_cost_usd` comes from.
    CostSource cost_source = CostSource::billed;
    /// OpenRouter's `usage.cost_details`, when the answer has them.
    std::optional<CostDetails> cost_details{};
    /// HTTP attempts the call took.
    int attempts = 1;
};

/// A language model. Implementations: the OpenRouter model in `net/`, and the in-process
/// `testkit::ScriptedModel` / `testkit::FunctionModel` for tests.
///
/// Thread safety: `request` may be called concurrently from many runs.
class Model {
public:
    virtual ~Model() = default;

    /// The model's name or slug, e.g. "anthropic/claude-sonnet-4".
    virtual const std::string& name() const noexcept = 0;

    /// Sends one request. Throws an `ErrorAgent` subclass on failure, carrying what the call
    /// was billed (`usage()`) and, where the model keeps one, the call's record (`calls()`).
    /// Cancellation: honours the awaiting coroutine's cancellation slot.
    virtual boost::asio::awaitable<ModelResponse> request(ModelRequest request) = 0;

    /// The model's catalogue price, when known. The default knows none.
    virtual boost::asio::awaitable<std::optional<ModelPrice>> price();
};

}  // namespace agentroute
