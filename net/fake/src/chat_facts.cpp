#include "chat_facts.hpp"

#include "json_path_reader.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <cstdint>

namespace agentroute::testkit::detail {

namespace {

namespace json = boost::json;
using boost::system::error_code;

// The keys on the way to what the scenario reads; every other key is `other`.
enum class Key : std::uint8_t { other, stream, messages, tools, role, function, name, parameters, max_tokens };

constexpr std::size_t tracked_levels = 4;  // tools[0].function.name

// The places in a chat request the scenario reads.
enum class Spot : std::uint8_t { other, stream, role, tool_name, max_tokens };

// Keeps the few values the scenario reads; the tool's parameters are built as a DOM.
class FactsHandler : public net::detail::JsonPathReader<FactsHandler, Key, tracked_levels> {
public:
    explicit FactsHandler(ChatFacts& facts) : facts_(facts) {}

    bool on_string_part(json::string_view s, std::size_t, error_code& ec) {
        if (!string_open_ && !begin_value(Kind::string, ec)) return false;
        string_open_ = true;
        if (capturing()) {
            stack().push_chars(s);
        } else if (spot_ != Spot::other) {
            split_.append(s.data(), s.size());
        }
        return true;
    }
    bool on_string(json::string_view s, std::size_t, error_code& ec) {
        if (!string_open_ && !begin_value(Kind::string, ec)) return false;
        string_open_ = false;
        if (capturing()) {
            stack().push_string(s);
        } else if (spot_ == Spot::role || spot_ == Spot::tool_name) {
            std::string_view text(s.data(), s.size());
            if (!split_.empty()) text = split_.append(s.data(), s.size());
            if (spot_ == Spot::role && text == "tool") facts_.tool_result_seen = true;
            if (spot_ == Spot::tool_name) facts_.tool_name = text;
            split_.clear();
        }
        return end_value(ec);
    }

    bool on_int64(std::int64_t i, json::string_view, error_code& ec) {
        if (!begin_value(Kind::number, ec)) return false;
        if (capturing()) {
            stack().push_int64(i);
        } else if (spot_ == Spot::max_tokens && i > 0) {
            facts_.max_tokens = i;
        }
        return end_value(ec);
    }
    bool on_uint64(std::uint64_t u, json::string_view, error_code& ec) {
        return scalar(ec, [&] { stack().push_uint64(u); });
    }
    bool on_double(double d, json::string_view, error_code& ec) {
        return scalar(ec, [&] { stack().push_double(d); });
    }
    bool on_null(error_code& ec) {
        return scalar(ec, [&] { stack().push_null(); });
    }
    bool on_bool(bool b, error_code& ec) {
        if (!begin_value(Kind::other, ec)) return false;
        if (capturing()) {
            stack().push_bool(b);
        } else if (spot_ == Spot::stream) {
            facts_.stream = b;
        }
        return end_value(ec);
    }

private:
    friend JsonPathReader;

    static Key key_named(std::string_view k) {
        switch (k.size()) {
            case 4: return k == "role" ? Key::role : k == "name" ? Key::name : Key::other;
            case 5: return k == "tools" ? Key::tools : Key::other;
            case 6: return k == "stream" ? Key::stream : Key::other;
            case 8: return k == "messages" ? Key::messages : k == "function" ? Key::function : Key::other;
            case 10: return k == "parameters" ? Key::parameters : k == "max_tokens" ? Key::max_tokens : Key::other;
            default: return Key::other;
        }
    }

    template <class Push>
    bool scalar(error_code& ec, Push push) {
        if (!begin_value(Kind::other, ec)) return false;
        if (capturing()) push();
        return end_value(ec);
    }

    // A value starts where the path now points; the request itself must be an object.
    bool begin_value(Kind kind, error_code& ec) {
        if (depth_ == 0 && kind != Kind::object) {
            ec = make_error_code(boost::system::errc::invalid_argument);
            return false;
        }
        if (capturing()) return true;
        spot_ = Spot::other;
        switch (depth_) {
            case 1:
                if (path_[0].key == Key::stream) spot_ = Spot::stream;
                if (path_[0].key == Key::max_tokens) spot_ = Spot::max_tokens;
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
                    facts_.has_parameters = true;
                    capture(facts_.parameters);
                }
                return true;
            default: return true;
        }
    }

    ChatFacts& facts_;
    Spot spot_ = Spot::other;
    std::string split_;  // a kept string handed over in parts (escapes)
    bool string_open_ = false;
};

}  // namespace

void read_chat_facts(std::string_view body, ChatFacts& facts, error_code& ec) {
    net::detail::read_whole<FactsHandler>(body, ec, facts);
}

}  // namespace agentroute::testkit::detail
