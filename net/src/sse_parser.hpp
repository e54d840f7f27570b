#pragma once

#include <string>
#include <string_view>

namespace agentroute::net::detail {

/// Incremental server-sent-events parser (sans-io): feed bytes as they arrive, at any
/// boundaries; it reports each event's data and each comment line. LF and CRLF line ends,
/// multi-line `data:` (joined with '\n'), comments (`: OPENROUTER PROCESSING`), other fields
/// ignored. Allocation-light: one line buffer and one data buffer, reused.
class SseParser {
public:
    struct Handler {
        virtual ~Handler() = default;
        /// One complete event's data (after a blank line). Return false to stop parsing.
        virtual bool on_event(std::string_view data) = 0;
        /// A comment line, without the leading ':'.
        virtual void on_comment(std::string_view) {}
        /// Any other field of the event being read (`id`, `retry`, `event`), as it comes.
        virtual void on_field(std::string_view /*name*/, std::string_view /*value*/) {}
    };

    /// Feeds bytes; returns false once a handler asked to stop.
    bool feed(std::string_view bytes, Handler& handler);

    /// True when no partial line or event is pending (a clean end of stream).
    bool idle() const noexcept { return line_.empty() && !has_data_; }

    /// Bytes held for a line or an event not complete yet (to bound what a peer may make it hold).
    std::size_t pending_bytes() const noexcept { return line_.size() + data_.size(); }

private:
    bool line(std::string_view line, Handler& handler);

    std::string line_;
    std::string data_;
    bool has_data_ = false;
    bool skip_lf_ = false;  // a CR ended the last line; a following LF belongs to it
};

}  // namespace agentroute::net::detail
