#pragma once

// The bookkeeping of a one-pass JSON reader that keeps a few values by where they are: a
// boost::json::basic_parser handler base (CRTP) that tracks the path to the current value
// (each open container's current key or index) and can build the DOM of one subtree, fed the
// same events as json::parser feeds its value_stack. The derived reader says which keys
// matter (`key_named`), what to do where a value starts (`begin_value`), and handles strings
// and scalars; it calls `end_value` after each scalar.
//
// Used by the OpenRouter answer reader and by the fake server's request reader.
//
// Kept subtrees are bounded: past `max_captured_values` values the read fails
// (`net::error::kept_json_too_large`), so peak memory stays a small multiple of the body.
//
// Duplicate keys: an object that repeats a key the reader names is refused
// (`net::error::duplicate_key`). A DOM keeps the last value and a one-pass reader may have acted on the
// first, so two readers of one body could see two answers; refusing the body is the one rule
// both can hold. Keys the reader does not name are not tracked (no reader acts on them).

#include "net_error.hpp"

#include <boost/json/basic_parser.hpp>
#include <boost/json/error.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_stack.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace agentroute::net::detail {

/// Reads all of `text` with a parser whose handler is built from `args`. As with
/// boost::json::parse, `ec` is set for malformed JSON and for anything but whitespace after the
/// value. The caller includes <boost/json/basic_parser_impl.hpp> (in one source file each).
template <class Handler, class... Args>
void read_whole(std::string_view text, boost::system::error_code& ec, Args&&... args) {
    boost::json::basic_parser<Handler> parser(boost::json::parse_options{}, std::forward<Args>(args)...);
    const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
    if (!ec && text.find_first_not_of(" \t\r\n", used) != std::string_view::npos) {
        ec = boost::json::error::extra_data;
    }
}

template <class Derived, class Key, std::size_t Levels>
class JsonPathReader {
    static_assert(sizeof(Key) == 1, "a reader names at most 64 keys (one bit each per object)");

public:
    using error_code = boost::system::error_code;
    using string_view = boost::json::string_view;

    static constexpr std::size_t max_object_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_key_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }
    bool on_number_part(string_view, error_code&) { return true; }

    bool on_object_begin(error_code& ec) { return open(Kind::object, ec); }
    bool on_object_end(std::size_t n, error_code& ec) {
        --depth_;
        if (capturing()) stack_->push_object(n);
        return end_value(ec);
    }
    bool on_array_begin(error_code& ec) { return open(Kind::array, ec); }
    bool on_array_end(std::size_t n, error_code& ec) {
        --depth_;
        if (capturing()) stack_->push_array(n);
        return end_value(ec);
    }

    bool on_key_part(string_view s, std::size_t, error_code&) {
        if (capturing()) {
            stack_->push_chars(s);
        } else if (depth_ <= Levels) {
            split_key_.append(s.data(), s.size());
        }
        return true;
    }
    bool on_key(string_view s, std::size_t, error_code& ec) {
        if (capturing()) {
            stack_->push_key(s);
        } else if (depth_ <= Levels) {
            Level& level = path_[depth_ - 1];
            if (split_key_.empty()) {
                level.key = derived().key_named(std::string_view(s.data(), s.size()));
            } else {
                split_key_.append(s.data(), s.size());
                level.key = derived().key_named(split_key_);
                split_key_.clear();
            }
            if (level.key != Key{}) {
                const auto bit = std::uint64_t{1} << static_cast<unsigned>(level.key);
                if (level.seen_keys & bit) {
                    ec = net::error::duplicate_key;
                    return false;
                }
                level.seen_keys |= bit;
            }
        }
        return true;
    }

protected:
    enum class Kind { object, array, string, number, other };

    /// One open container on the way to the current value: an object's current key (the
    /// derived reader's `Key{}` for every key it does not name), or an array's current index.
    /// Only the first `Levels` are kept; deeper ones are only counted.
    struct Level {
        bool array = false;
        Key key{};
        std::size_t index = 0;
        std::uint64_t seen_keys = 0;  ///< the named keys this object has had (bit per Key)
    };

    bool capturing() const { return capture_at_ != no_capture; }
    boost::json::value_stack& stack() { return *stack_; }

    /// The value starting now is built into `into`, in `into`'s storage, until it ends.
    void capture(boost::json::value& into) {
        if (!stack_) stack_.emplace(into.storage(), stack_buffer_, sizeof stack_buffer_);
        stack_->reset(into.storage());
        capture_into_ = &into;
        capture_at_ = depth_;
        captured_values_ = 0;
    }

    /// After each value: ends the capture it completes, and moves its array to the next index.
    /// False (with `ec` set) once a capture holds more than `max_captured_values`.
    bool end_value(error_code& ec) {
        if (capturing() && ++captured_values_ > max_captured_values) {
            ec = net::error::kept_json_too_large;
            return false;
        }
        if (capture_at_ == depth_) {
            *capture_into_ = stack_->release();  // same storage: moved, not copied
            capture_at_ = no_capture;
        }
        if (depth_ > 0 && depth_ <= Levels && path_[depth_ - 1].array) ++path_[depth_ - 1].index;
        return true;
    }

    Level path_[Levels];
    std::size_t depth_ = 0;  ///< containers open around the current value

private:
    Derived& derived() { return static_cast<Derived&>(*this); }

    bool open(Kind kind, error_code& ec) {
        if (!derived().begin_value(kind, ec)) return false;
        if (depth_ < Levels) path_[depth_] = Level{kind == Kind::array, Key{}, 0, 0};
        ++depth_;
        return true;
    }

    static constexpr std::size_t no_capture = std::numeric_limits<std::size_t>::max();
    // What a kept subtree (an error object, reasoning details, a tool's parameters) may hold: a
    // DOM costs 16 bytes and more a value, so a body of 16 MB of `0,` would cost 30 to 50 times
    // the body. Real ones hold tens of values.
    static constexpr std::size_t max_captured_values = 64 * 1024;
    std::size_t captured_values_ = 0;

    std::string split_key_;  // a key handed over in parts (escapes)
    unsigned char stack_buffer_[1024];  // the value_stack's own stack
    std::optional<boost::json::value_stack> stack_;
    boost::json::value* capture_into_ = nullptr;
    std::size_t capture_at_ = no_capture;  // depth where the captured value started
};

}  // namespace agentroute::net::detail
