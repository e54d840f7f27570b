#pragma once

#include "sse_parser.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace agentroute::mcp::detail {

/// Reads one HTTP answer of the Streamable HTTP binding, sans-io: a JSON body or an SSE stream
/// of JSON-RPC messages, fed as bytes arrive. Each message goes to `deliver`; the SSE event id
/// and `retry` are kept for a resumed stream. Too large a message, or one that is not JSON,
/// ends the answer with `error()`.
class AnswerStream {
public:
    using Deliver = std::function<void(boost::json::value message)>;

    AnswerStream(Deliver deliver, std::size_t max_message_bytes, std::int64_t awaited_id)
        : deliver_(std::move(deliver)), max_(max_message_bytes), awaited_id_(awaited_id) {}

    /// From the Content-Type; unknown: decided by the first byte ('{' or '[' is JSON).
    void set_content_type(std::string_view content_type);
    /// Returns false once the answer is bad (see `error()`).
    bool feed(std::string_view bytes);
    /// The end of the body: a JSON body is parsed and delivered here.
    bool finish();

    const std::string& error() const noexcept { return error_; }
    /// The response to the awaited request went by.
    bool answered() const noexcept { return answered_; }
    const std::string& last_event_id() const noexcept { return last_event_id_; }
    std::optional<std::chrono::milliseconds> retry() const noexcept { return retry_; }
    bool is_sse() const noexcept { return mode_ == Mode::sse; }

private:
    enum class Mode { unknown, json, sse };
    struct Events;
    bool message(std::string_view text);

    Deliver deliver_;
    std::size_t max_;
    std::int64_t awaited_id_;
    Mode mode_ = Mode::unknown;
    std::string json_;
    net::detail::SseParser sse_;
    std::string error_;
    bool answered_ = false;
    std::string last_event_id_;
    std::optional<std::chrono::milliseconds> retry_;
};

}  // namespace agentroute::mcp::detail
