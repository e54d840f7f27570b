#include "sse_parser.hpp"

namespace agentroute::net::detail {

namespace {

// Where the next line of `bytes` from `from` ends: its CR or LF, or npos. Two memchr scans,
// not find_first_of("\r\n"), which calls memchr once per byte. `next_lf` carries the LF found
// last time over from line to line, so a stream of CR-only lines stays linear.
std::size_t line_end(std::string_view bytes, std::size_t from, std::size_t& next_lf) {
    if (next_lf != std::string_view::npos && next_lf < from) next_lf = bytes.find('\n', from);
    const std::size_t limit = next_lf == std::string_view::npos ? bytes.size() : next_lf;
    const std::size_t cr = bytes.substr(0, limit).find('\r', from);
    return cr != std::string_view::npos ? cr : next_lf;
}

}  // namespace

bool SseParser::feed(std::string_view bytes, Handler& handler) {
    std::size_t i = 0;
    std::size_t next_lf = bytes.find('\n');
    while (i < bytes.size()) {
        if (skip_lf_) {
            skip_lf_ = false;
            if (bytes[i] == '\n') {
                ++i;
                continue;
            }
        }
        const auto end = line_end(bytes, i, next_lf);
        if (end == std::string_view::npos) {
            line_.append(bytes.substr(i));
            break;
        }
        bool keep_going;
        if (line_.empty()) {
            keep_going = line(bytes.substr(i, end - i), handler);  // no copy for whole lines
        } else {
            line_.append(bytes.substr(i, end - i));
            keep_going = line(line_, handler);
            line_.clear();
        }
        skip_lf_ = bytes[end] == '\r';
        i = end + 1;
        if (!keep_going) return false;
    }
    return true;
}

bool SseParser::line(std::string_view line, Handler& handler) {
    if (line.empty()) {  // dispatch
        if (!has_data_) return true;
        has_data_ = false;
        const bool keep_going = handler.on_event(data_);
        data_.clear();
        return keep_going;
    }
    if (line.front() == ':') {
        handler.on_comment(line.substr(1));
        return true;
    }
    const auto colon = line.find(':');
    const std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
        if (has_data_) data_ += '\n';
        data_.append(value);
        has_data_ = true;
    } else {
        handler.on_field(field, value);  // event, id, retry: MCP's resumable streams use them
    }
    return true;
}

}  // namespace agentroute::net::detail
