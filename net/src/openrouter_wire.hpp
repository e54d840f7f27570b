#pragma once

// OpenRouter's chat-completions wire format, sans-io: request bodies out, response bodies and
// SSE events in. No sockets here, so every byte layout is unit-tested directly.

#include "sse_parser.hpp"

#include <agentroute/model.hpp>

#include <boost/json/array.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agentroute::net::detail {

struct WireOptions {
    std::string model{};
    bool stream = true;
    std::vector<std::string> fallback_models{};
    /// Provider preferences as a JSON object text ("" for none).
    std::string provider{};
    /// `provider` plus `require_parameters: true`, sent with typed outputs; computed from
    /// `provider` when empty (OpenRouterModel computes it once, at construction).
    std::string typed_provider{};
};

/// `provider` with `require_parameters: true` added. Throws `ErrorConfig` when `provider` is
/// not a JSON object.
std::string with_required_parameters(std::string_view provider);

/// The JSON body of POST /chat/completions.
std::string build_chat_request(const ModelRequest& request, const WireOptions& options);

/// An `error` object from a body or an SSE event.
struct WireError {
    int status = 0;            // HTTP status, or the error's numeric code for in-body errors
    std::string code;          // error.code as text (a number or a string on the wire)
    std::string message;
    std::string error_type;    // error.metadata.error_type
    std::string provider_name;
    std::string raw;           // error.metadata.raw (the upstream's own text)
    bool availability = false; // error.availability present
    bool retryable = false;    // error.availability.retryable
    double retry_after_s = -1;
};

/// Usage as OpenRouter bills it; cost_known is false when the body had no `usage.cost`.
struct WireUsage {
    Usage usage;
    bool present = false;  ///< the answer had a `usage` object
    bool cost_known = false;
    std::optional<CostDetails> cost_details;
    /// A token count that is no count (e.g. "usage.prompt_tokens": negative): the answer is a
    /// protocol error, raised once what can be known of the call's usage is counted.
    const char* invalid = nullptr;
};

/// The result of one response: an answer, or an error (with whatever usage was billed).
struct WireOutcome {
    std::optional<ModelResponse> response;
    std::optional<WireError> error;
    WireUsage usage;
};

/// Parses a non-streamed body (leading keep-alive whitespace allowed), checking for a
/// top-level `error` before `choices`. Throws `ErrorProtocol` for malformed or truncated JSON.
WireOutcome parse_chat_body(std::string_view body, std::string_view generation_id);

/// Parses an error body of a non-200 response; tolerant of non-JSON bodies.
WireError parse_error_body(int status, std::string_view body);

/// Accumulates a streamed answer from SSE events: text, tool-call argument fragments per index
/// (id and name from the first fragment), opaque reasoning, finish_reason, usage (last chunk),
/// and error objects inside the stream.
class StreamAccumulator : public SseParser::Handler {
public:
    explicit StreamAccumulator(std::function<void(std::string_view)> on_text_delta = {},
                               std::function<void(const ModelDelta&)> on_delta = {})
        : on_text_delta_(std::move(on_text_delta)), on_delta_(std::move(on_delta)) {}

    bool on_event(std::string_view data) override;

    /// True once an event carried real data (not only keep-alive comments).
    bool saw_data() const noexcept { return saw_data_; }
    /// Resets saw_data (per received chunk, for the idle timer).
    bool take_progress() noexcept { return std::exchange(progress_, false); }
    bool done() const noexcept { return done_; }

    /// The outcome once the stream ended. Throws `ErrorProtocol` for a stream cut before
    /// `[DONE]` with no finish_reason, or for malformed events.
    WireOutcome finish(std::string_view generation_id);

private:
    struct PartialCall {
        std::string id, name, arguments;
    };
    void announce_reasoning(const boost::json::value& detail) const;

    std::function<void(std::string_view)> on_text_delta_;
    std::function<void(const ModelDelta&)> on_delta_;
    std::string text_, reasoning_text_, finish_reason_, model_, id_, malformed_;
    std::vector<PartialCall> calls_;
    boost::json::array details_;  // reasoning_details, fragments merged per index
    std::optional<WireError> error_;
    WireUsage usage_;
    bool saw_data_ = false, progress_ = false, done_ = false, has_reasoning_ = false;
};

}  // namespace agentroute::net::detail
