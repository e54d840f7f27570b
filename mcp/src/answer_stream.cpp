#include "answer_stream.hpp"

#include <boost/json/parse.hpp>

#include <charconv>

namespace agentroute::mcp::detail {

struct AnswerStream::Events final : net::detail::SseParser::Handler {
    explicit Events(AnswerStream& stream) : stream(stream) {}
    bool on_event(std::string_view data) override {
        if (data.empty()) return true;  // a priming event: an id and a retry, no message
        return stream.message(data);
    }
    void on_field(std::string_view name, std::string_view value) override {
        if (name == "id") {
            stream.last_event_id_ = value;
        } else if (name == "retry") {
            long ms = 0;
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
            if (ec == std::errc() && end == value.data() + value.size() && ms >= 0) stream.retry_ = std::chrono::milliseconds(ms);
        }
    }
    AnswerStream& stream;
};

void AnswerStream::set_content_type(std::string_view content_type) {
    if (content_type.starts_with("text/event-stream")) mode_ = Mode::sse;
    else if (content_type.starts_with("application/json")) mode_ = Mode::json;
}

bool AnswerStream::feed(std::string_view bytes) {
    if (!error_.empty()) return false;
    if (mode_ == Mode::unknown) {
        const auto first = bytes.find_first_not_of(" \t\r\n");
        if (first == std::string_view::npos) return true;
        mode_ = bytes[first] == '{' || bytes[first] == '[' ? Mode::json : Mode::sse;
    }
    if (mode_ == Mode::json) {
        if (json_.size() + bytes.size() > max_) {
            error_ = "the MCP server's answer is larger than " + std::to_string(max_) + " bytes";
            return false;
        }
        json_.append(bytes);
        return true;
    }
    Events events(*this);
    sse_.feed(bytes, events);
    if (error_.empty() && sse_.pending_bytes() > max_) {
        error_ = "the MCP server sent an event larger than " + std::to_string(max_) + " bytes";
    }
    return error_.empty();
}

bool AnswerStream::finish() {
    if (mode_ != Mode::json || !error_.empty()) return error_.empty();
    if (json_.find_first_not_of(" \t\r\n") == std::string::npos) return true;
    return message(json_);
}

bool AnswerStream::message(std::string_view text) {
    if (text.size() > max_) {
        error_ = "the MCP server sent a message larger than " + std::to_string(max_) + " bytes";
        return false;
    }
    boost::system::error_code ec;
    boost::json::value message = boost::json::parse(text, ec);
    if (ec || !message.is_object()) {
        error_ = "the MCP server sent a message that is not JSON-RPC: " + std::string(text.substr(0, 200));
        return false;
    }
    const auto& object = message.as_object();
    if (const auto* id = object.if_contains("id");
        id && id->is_int64() && id->as_int64() == awaited_id_ && !object.contains("method")) {
        answered_ = true;
    }
    deliver_(std::move(message));
    return true;
}

}  // namespace agentroute::mcp::detail
