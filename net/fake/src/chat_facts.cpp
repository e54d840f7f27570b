#include "chat_facts.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <cstdint>
#include <limits>
#include <optional>

namespace agentroute::testing::detail {

namespace {

namespace json = boost::json;
using boost::system::error_code;

// The keys on the way to what the scenario reads; every other key is `other`.
enum class Key : std::uint8_t { other, stream, messages, tools, role, function, name, parameters };

Key key_named(std::string_view k) {
    switch (k.size()) {
        case 4: return k == "role" ? Key::role : k == "name" ? Key::name : Key::other;
        case 5: return k == "tools" ? Key::tools : Key::other;
        case 6: return k == "stream" ? Key::stream : Key::other;
        case 8: return k == "messages" ? Key::messages : k == "function" ? Key::function : Key::other;
        case 10: return k == "parameters" ? Key::parameters : Key::other;
        default: return Key::other;
    }
}

// One open container on the way to the current value: an object's current key, or an
// array's current index. Only the first four levels matter; deeper ones are only counted.
struct Level {
    bool array = false;
    Key key = Key::other;
    std::size_t index = 0;
};
constexpr std::size_t tracked_levels = 4;

// The places in a chat request the scenario reads.
enum class Spot : std::uint8_t { other, stream, role, tool_name };

// Follows the path to each value and keeps the few the scenario reads; the tool's parameters
// are built as a DOM (a value_stack fed the same events, as json::parser does for a body).
class FactsHandler {
public:
    static constexpr std::size_t max_object_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_key_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();

    explicit FactsHandler(ChatFacts& facts) : facts_(facts) {}

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_comment_part(json::string_view, error_code&) { return true; }
    bool on_comment(json::string_view, error_code&) { return true; }
    bool on_number_part(json::string_view, error_code&) { return true; }

    bool on_object_begin(error_code& ec) { return open(false, ec); }
    bool on_object_end(std::size_t n, error_code&) {
        --depth_;
        if (capturing()) stack_->push_object(n);
        end_value();
        return true;
    }
    bool on_array_begin(error_code& ec) { return open(true, ec); }
    bool on_array_end(std::size_t n, error_code&) {
        --depth_;
        if (capturing()) stack_->push_array(n);
        end_value();
        return true;
    }

    bool on_key_part(json::string_view s, std::size_t, error_code&) {
        if (capturing()) {
            stack_->push_chars(s);
        } else if (depth_ <= tracked_levels) {
            split_.append(s.data(), s.size());
        }
        return true;
    }
    bool on_key(json::string_view s, std::size_t, error_code&) {
        if (capturing()) {
            stack_->push_key(s);
        } else if (depth_ <= tracked_levels) {
            if (split_.empty()) {
                path_[depth_ - 1].key = key_named(s);
            } else {
                split_.append(s.data(), s.size());
                path_[depth_ - 1].key = key_named(split_);
                split_.clear();
            }
        }
        return true;
    }

    bool on_string_part(json::string_view s, std::size_t, error_code& ec) {
        if (!string_open_ && !begin_value(false, ec)) return false;
        string_open_ = true;
        if (capturing()) {
            stack_->push_chars(s);
        } else if (spot_ != Spot::other) {
            split_.append(s.data(), s.size());
        }
        return true;
    }
    bool on_string(json::string_view s, std::size_t, error_code& ec) {
        if (!string_open_ && !begin_value(false, ec)) return false;
        string_open_ = false;
        if (capturing()) {
            stack_->push_string(s);
        } else if (spot_ == Spot::role || spot_ == Spot::tool_name) {
            std::string_view text(s.data(), s.size());
            if (!split_.empty()) text = split_.append(s.data(), s.size());
            if (spot_ == Spot::role && text == "tool") facts_.tool_result_seen = true;
            if (spot_ == Spot::tool_name) facts_.tool_name = text;
            split_.clear();
        }
        end_value();
        return true;
    }

    bool on_int64(std::int64_t i, json::string_view, error_code& ec) {
        return scalar(ec, [&] { stack_->push_int64(i); });
    }
    bool on_uint64(std::uint64_t u, json::string_view, error_code& ec) {
        return scalar(ec, [&] { stack_->push_uint64(u); });
    }
    bool on_double(double d, json::string_view, error_code& ec) {
        return scalar(ec, [&] { stack_->push_double(d); });
    }
    bool on_null(error_code& ec) {
        return scalar(ec, [&] { stack_->push_null(); });
    }
    bool on_bool(bool b, error_code& ec) {
        if (!begin_value(false, ec)) return false;
        if (capturing()) {
            stack_->push_bool(b);
        } else if (spot_ == Spot::stream) {
            facts_.stream = b;
        }
        end_value();
        return true;
    }

private:
    bool capturing() const { return capture_at_ != no_capture; }

    bool open(bool array, error_code& ec) {
        if (!begin_value(!array, ec)) return false;
        if (depth_ < tracked_levels) path_[depth_] = Level{array, Key::other, 0};
        ++depth_;
        return true;
    }

    template <class Push>
    bool scalar(error_code& ec, Push push) {
        if (!begin_value(false, ec)) return false;
        if (capturing()) push();
        end_value();
        return true;
    }

    // A value starts where the path now points; the request itself must be an object.
    bool begin_value(bool object, error_code& ec) {
        if (depth_ == 0 && !object) {
            ec = make_error_code(boost::system::errc::invalid_argument);
            return false;
        }
        if (capturing()) return true;
        spot_ = Spot::other;
        switch (depth_) {
            case 1:
                if (path_[0].key == Key::stream) spot_ = Spot::stream;
                return true;
            case 2:
                if (path_[0].key == Key::tools && path_[1].array && path_[1].index == 0) facts_.has_tools = true;
                return true;
            case 3:
                if (path_[0].key == Key::messages && path_[1].array && !path_[2].array && path_[2].key == Key::role) {
                    spot_ = Spot::role;
                }
                return true;
            case 4:
                if (path_[0].key != Key::tools || !path_[1].array || path_[1].index != 0 || path_[2].array ||
                    path_[2].key != Key::function || path_[3].array) {
                    return true;
                }
                if (path_[3].key == Key::name) {
                    facts_.tool_name.clear();  // a repeated key's last value wins, as in a DOM
                    spot_ = Spot::tool_name;
                } else if (path_[3].key == Key::parameters) {
                    if (!stack_) stack_.emplace(facts_.parameters.storage(), stack_buffer_, sizeof stack_buffer_);
                    stack_->reset(facts_.parameters.storage());
                    capture_at_ = depth_;
                }
                return true;
            default: return true;
        }
    }

    void end_value() {
        if (capture_at_ == depth_) {
            facts_.parameters = stack_->release();  // same storage: moved, not copied
            facts_.has_parameters = true;
            capture_at_ = no_capture;
        }
        if (depth_ > 0 && depth_ <= tracked_levels && path_[depth_ - 1].array) ++path_[depth_ - 1].index;
    }

    static constexpr std::size_t no_capture = std::numeric_limits<std::size_t>::max();

    ChatFacts& facts_;
    Level path_[tracked_levels];
    std::size_t depth_ = 0;
    Spot spot_ = Spot::other;
    std::string split_;  // a key or kept string handed over in parts (escapes)
    bool string_open_ = false;
    unsigned char stack_buffer_[1024];  // the value_stack's own stack, for a tool's schema
    std::optional<json::value_stack> stack_;
    std::size_t capture_at_ = no_capture;  // depth where the captured value started
};

}  // namespace

void read_chat_facts(std::string_view body, ChatFacts& facts, error_code& ec) {
    json::basic_parser<FactsHandler> parser(json::parse_options{}, facts);
    const std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
    if (!ec && body.find_first_not_of(" \t\r\n", used) != std::string_view::npos) ec = json::error::extra_data;
}

}  // namespace agentroute::testing::detail
