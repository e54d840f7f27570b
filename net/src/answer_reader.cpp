#include "answer_reader.hpp"

#include "json_path_reader.hpp"

#include <agentroute/detail/exact_json.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>

#include <cmath>

namespace agentroute::net::detail {

namespace {

namespace json = boost::json;
using boost::system::error_code;

// The keys on the way to what is kept; every other key is `other`.
enum class Key : std::uint8_t {
    other, id, model, usage, error, choices, finish_reason, message, content, reasoning,
    reasoning_details, tool_calls, index, function, name, arguments, prompt_tokens,
    completion_tokens, cost,
    // usage's details
    prompt_tokens_details, completion_tokens_details, cost_details, cached_tokens,
    cache_write_tokens, reasoning_tokens, upstream_cost, upstream_prompt_cost,
    upstream_completion_cost,
};

// Where the current number goes, besides a text.
enum class NumberSpot : std::uint8_t {
    none, call_index, prompt_tokens, completion_tokens, cost, cached_tokens, cache_write_tokens,
    reasoning_tokens, upstream_cost, upstream_prompt_cost, upstream_completion_cost,
};

constexpr std::size_t tracked_levels = 7;  // choices[0].message.tool_calls[i].function.arguments

class AnswerHandler : public JsonPathReader<AnswerHandler, Key, tracked_levels> {
public:
    AnswerHandler(AnswerFacts& facts, std::string_view message_key) : facts_(facts), message_key_(message_key) {}

    bool on_string_part(json::string_view s, std::size_t, error_code& ec) {
        if (!string_open_) begin_value(Kind::string, ec);
        string_open_ = true;
        if (capturing()) {
            stack().push_chars(s);
        } else if (text_ != nullptr) {
            text_->text.append(s.data(), s.size());
        }
        return true;
    }
    bool on_string(json::string_view s, std::size_t, error_code& ec) {
        if (!string_open_) begin_value(Kind::string, ec);
        string_open_ = false;
        if (capturing()) {
            stack().push_string(s);
        } else if (text_ != nullptr) {
            text_->text.append(s.data(), s.size());
            text_->is_string = true;
        }
        return end_value(ec);
    }

    bool on_int64(std::int64_t i, json::string_view, error_code& ec) {
        number_text_.discard();
        begin_value(Kind::number, ec);
        if (capturing()) {
            stack().push_int64(i);
        } else {
            if (text_ != nullptr) text_->text = std::to_string(i);
            keep_number(i, static_cast<double>(i));
        }
        return end_value(ec);
    }
    bool on_uint64(std::uint64_t u, json::string_view, error_code& ec) {
        number_text_.discard();
        begin_value(Kind::number, ec);
        if (capturing()) {
            stack().push_uint64(u);
        } else {
            if (text_ != nullptr) text_->text = std::to_string(u);
            keep_number(whole_number(static_cast<double>(u)), static_cast<double>(u));
        }
        return end_value(ec);
    }
    bool on_number_part(json::string_view s, error_code&) {
        number_text_.part(s);
        return true;
    }
    bool on_double(double, json::string_view last, error_code& ec) {
        // Read from its text, not Boost.JSON's conversion, which can be one unit in the last
        // place off: a cost comes back as the decimal the server sent.
        const double d = number_text_.finish(last);
        begin_value(Kind::number, ec);
        if (capturing()) {
            stack().push_double(d);
        } else {
            if (text_ != nullptr) text_->text = json::serialize(json::value(d));
            keep_number(whole_number(d), d);
        }
        return end_value(ec);
    }
    bool on_bool(bool b, error_code& ec) {
        begin_value(Kind::other, ec);
        if (capturing()) stack().push_bool(b);
        return end_value(ec);
    }
    bool on_null(error_code& ec) {
        begin_value(Kind::other, ec);
        if (capturing()) stack().push_null();
        return end_value(ec);
    }

private:
    friend JsonPathReader;

    Key key_named(std::string_view k) const {
        if (k == message_key_) return Key::message;
        switch (k.size()) {
            case 2: return k == "id" ? Key::id : Key::other;
            case 4: return k == "name" ? Key::name : k == "cost" ? Key::cost : Key::other;
            case 5:
                return k == "model" ? Key::model : k == "usage" ? Key::usage : k == "error" ? Key::error
                     : k == "index" ? Key::index : Key::other;
            case 7: return k == "choices" ? Key::choices : k == "content" ? Key::content : Key::other;
            case 8: return k == "function" ? Key::function : Key::other;
            case 9: return k == "reasoning" ? Key::reasoning : k == "arguments" ? Key::arguments : Key::other;
            case 10: return k == "tool_calls" ? Key::tool_calls : Key::other;
            case 12: return k == "cost_details" ? Key::cost_details : Key::other;
            case 13:
                return k == "finish_reason" ? Key::finish_reason : k == "prompt_tokens" ? Key::prompt_tokens
                     : k == "cached_tokens" ? Key::cached_tokens : Key::other;
            case 16: return k == "reasoning_tokens" ? Key::reasoning_tokens : Key::other;
            case 17:
                return k == "reasoning_details" ? Key::reasoning_details
                     : k == "completion_tokens" ? Key::completion_tokens
                                                : Key::other;
            case 18: return k == "cache_write_tokens" ? Key::cache_write_tokens : Key::other;
            case 21: return k == "prompt_tokens_details" ? Key::prompt_tokens_details : Key::other;
            case 23: return k == "upstream_inference_cost" ? Key::upstream_cost : Key::other;
            case 25: return k == "completion_tokens_details" ? Key::completion_tokens_details : Key::other;
            case 30: return k == "upstream_inference_prompt_cost" ? Key::upstream_prompt_cost : Key::other;
            case 35: return k == "upstream_inference_completions_cost" ? Key::upstream_completion_cost : Key::other;
            default: return Key::other;
        }
    }

    // `whole` is empty for a number too large for an integer: such an index is no index (the
    // call is skipped), such a count reads as 0.
    void keep_number(std::optional<std::int64_t> whole, double real) {
        switch (number_) {
            case NumberSpot::none: return;
            case NumberSpot::call_index: facts_.calls.back().index = whole.value_or(-1); return;
            case NumberSpot::prompt_tokens:
                return keep_count(facts_.usage.prompt_tokens, whole, real, "usage.prompt_tokens");
            case NumberSpot::completion_tokens:
                return keep_count(facts_.usage.completion_tokens, whole, real, "usage.completion_tokens");
            case NumberSpot::cost:
                // A NaN, infinite or negative cost is no bill: the cost is unknown (estimated).
                if (const auto amount = finite_amount(real)) {
                    facts_.usage.cost = *amount;
                    facts_.usage.cost_known = true;
                }
                return;
            case NumberSpot::cached_tokens: return keep_detail(facts_.usage.cached_tokens, whole, real);
            case NumberSpot::cache_write_tokens: return keep_detail(facts_.usage.cache_write_tokens, whole, real);
            case NumberSpot::reasoning_tokens: return keep_detail(facts_.usage.reasoning_tokens, whole, real);
            case NumberSpot::upstream_cost:
                return keep_amount(facts_.usage.cost_details.upstream_inference_cost, real);
            case NumberSpot::upstream_prompt_cost:
                return keep_amount(facts_.usage.cost_details.upstream_prompt_cost, real);
            case NumberSpot::upstream_completion_cost:
                return keep_amount(facts_.usage.cost_details.upstream_completion_cost, real);
        }
    }

    // A detail is informative, not billed: one that is no count is left at 0, not an error.
    static void keep_detail(std::int64_t& into, std::optional<std::int64_t> whole, double real) {
        if (whole && *whole >= 0 && real == std::trunc(real)) into = *whole;
    }
    void keep_amount(double& into, double real) {
        if (const auto amount = finite_amount(real)) {
            into = *amount;
            facts_.usage.has_cost_details = true;
        }
    }

    void keep_count(std::int64_t& into, std::optional<std::int64_t> whole, double real, const char* name) {
        if (whole && *whole >= 0 && real == std::trunc(real)) {
            into = *whole;
        } else if (facts_.usage.invalid == nullptr) {
            facts_.usage.invalid = name;
        }
    }

    // A value starts where the path now points: say where its text, number or DOM goes.
    bool begin_value(Kind kind, error_code&) {
        if (capturing()) return true;
        text_ = nullptr;
        number_ = NumberSpot::none;
        if (depth_ == 0) facts_.is_object = kind == Kind::object;
        if (depth_ == 0 || depth_ > tracked_levels) return true;
        spot(kind);
        return true;
    }

    void spot(Kind kind) {
        switch (depth_) {
            case 1:
                switch (path_[0].key) {
                    case Key::id:
                        if (facts_.want_id) keep_text(facts_.id);
                        return;
                    case Key::model:
                        if (facts_.want_model) keep_text(facts_.model);
                        return;
                    case Key::usage: facts_.usage = UsageFacts{.present = kind == Kind::object}; return;
                    case Key::error: return capture(facts_.error);
                    default: return;
                }
            case 2:
                if (path_[0].key == Key::choices && path_[1].array && path_[1].index == 0) {
                    facts_.has_choice = kind == Kind::object;
                } else if (path_[0].key == Key::usage && !path_[1].array) {
                    keep_usage(path_[1].key);
                }
                return;
            case 3:
                if (path_[0].key == Key::usage && !path_[1].array && !path_[2].array) {
                    return keep_usage_detail(path_[1].key, path_[2].key);
                }
                if (!in_first_choice()) return;
                if (path_[2].key == Key::finish_reason) return keep_text(facts_.finish_reason);
                if (path_[2].key == Key::message) facts_.has_message = kind == Kind::object;
                return;
            case 4:
                if (!in_message()) return;
                switch (path_[3].key) {
                    case Key::content: return keep_text(facts_.content);
                    case Key::reasoning: return keep_text(facts_.reasoning);
                    case Key::reasoning_details: return capture(facts_.reasoning_details);
                    default: return;
                }
            case 5:
                if (kind == Kind::object && in_message() && path_[3].key == Key::tool_calls && path_[4].array) {
                    facts_.calls.emplace_back();
                }
                return;
            case 6:
                if (!in_call()) return;
                switch (path_[5].key) {
                    case Key::index:
                        facts_.calls.back().index = 0;
                        number_ = NumberSpot::call_index;
                        return;
                    case Key::id: return keep_text(facts_.calls.back().id);
                    case Key::function: facts_.calls.back().has_function = kind == Kind::object; return;
                    default: return;
                }
            case 7:
                if (!in_call() || path_[5].key != Key::function || path_[6].array) return;
                if (path_[6].key == Key::name) return keep_text(facts_.calls.back().name);
                if (path_[6].key == Key::arguments) return keep_text(facts_.calls.back().arguments);
                return;
            default: return;
        }
    }

    // A usage member; one that is not a number reads as 0 (a cost as unknown).
    void keep_usage(Key key) {
        switch (key) {
            case Key::prompt_tokens:
                facts_.usage.prompt_tokens = 0;
                number_ = NumberSpot::prompt_tokens;
                return;
            case Key::completion_tokens:
                facts_.usage.completion_tokens = 0;
                number_ = NumberSpot::completion_tokens;
                return;
            case Key::cost:
                facts_.usage.cost = 0;
                facts_.usage.cost_known = false;
                number_ = NumberSpot::cost;
                return;
            default: return;
        }
    }

    // usage.<details>.<member>: where its number goes.
    void keep_usage_detail(Key details, Key member) {
        using enum NumberSpot;
        const NumberSpot spot = details == Key::prompt_tokens_details && member == Key::cached_tokens ? cached_tokens
                              : details == Key::prompt_tokens_details && member == Key::cache_write_tokens ? cache_write_tokens
                              : details == Key::completion_tokens_details && member == Key::reasoning_tokens ? reasoning_tokens
                              : details != Key::cost_details ? none
                              : member == Key::upstream_cost ? upstream_cost
                              : member == Key::upstream_prompt_cost ? upstream_prompt_cost
                              : member == Key::upstream_completion_cost ? upstream_completion_cost
                                                                        : none;
        number_ = spot;
    }

    // A repeated key's last value wins, as in a DOM.
    void keep_text(WireText& text) {
        text = WireText{};
        text_ = &text;
    }

    // path_[0] is the answer, path_[1] `choices`, path_[2] its first entry, path_[3] the
    // message, path_[4] `tool_calls`, path_[5] one call, path_[6] its `function`.
    bool in_first_choice() const {
        return path_[0].key == Key::choices && path_[1].array && path_[1].index == 0 && !path_[2].array;
    }
    bool in_message() const { return in_first_choice() && path_[2].key == Key::message && !path_[3].array; }
    bool in_call() const {
        return in_message() && path_[3].key == Key::tool_calls && path_[4].array && !path_[5].array &&
               !facts_.calls.empty();
    }

    AnswerFacts& facts_;
    std::string_view message_key_;
    WireText* text_ = nullptr;              // where the current scalar's text goes
    NumberSpot number_ = NumberSpot::none;  // where the current number goes
    bool string_open_ = false;
    agentroute::detail::NumberText number_text_;  // the current number, when it spans reads
};

}  // namespace

void read_answer(std::string_view text, std::string_view message_key, AnswerFacts& facts, error_code& ec) {
    read_whole<AnswerHandler>(text, ec, facts, message_key);
}

}  // namespace agentroute::net::detail
