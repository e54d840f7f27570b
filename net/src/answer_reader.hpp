#pragma once

// Reads what the runtime keeps from a chat answer (a non-streamed body, or one SSE event of a
// stream) in one SAX pass. A DOM of the whole answer cost three times the tokenizing it rests
// on; here the strings go straight to their fields, and only the rare parts kept as JSON
// (`error`, `reasoning_details`) are built as DOMs, in the caller's storage.

#include "wire_numbers.hpp"

#include <agentroute/usage.hpp>

#include <boost/container/small_vector.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agentroute::net::detail {

/// A JSON scalar kept as text, as the wire may send a string or a number for it: a number is
/// its JSON text, anything else (null, an object, an array) is empty.
struct WireText {
    std::string text;
    bool is_string = false;
};

/// One entry of `tool_calls` (an object; other entries are skipped).
struct WireCall {
    std::int64_t index = 0;  ///< 0 when absent
    WireText id, name, arguments;
    bool has_function = false;  ///< `function` is an object
};

/// `usage`, when it is an object: token counts as integers (0 when absent or not numbers).
struct UsageFacts {
    bool present = false;
    std::int64_t prompt_tokens = 0, completion_tokens = 0;
    double cost = 0;
    bool cost_known = false;  ///< `cost` is a finite number of zero or more
    /// `prompt_tokens_details.{cached_tokens,cache_write_tokens}` and
    /// `completion_tokens_details.reasoning_tokens`; a detail that is no count reads as 0.
    std::int64_t cached_tokens = 0, cache_write_tokens = 0, reasoning_tokens = 0;
    /// `cost_details.upstream_inference_{,prompt_,completions_}cost`, when `has_cost_details`.
    CostDetails cost_details{};
    bool has_cost_details = false;
    /// The first token count that is a number but no count (negative, fractional, too large),
    /// e.g. "usage.prompt_tokens"; null when none.
    const char* invalid = nullptr;
};

/// What one answer body or stream event says, read from `choices[0]` and the top level.
struct AnswerFacts {
    explicit AnswerFacts(const boost::json::storage_ptr& sp) : error(sp), reasoning_details(sp) {}

    /// What to read: a stream's events repeat `id` and `model`, which it needs once.
    bool want_id = true, want_model = true;

    bool is_object = false;  ///< the document is a JSON object
    WireText id, model;
    /// `choices` is a non-empty array whose first entry is an object.
    bool has_choice = false;
    WireText finish_reason;
    /// `choices[0].<message key>` is an object (`message`, or `delta` in a stream).
    bool has_message = false;
    WireText content, reasoning;
    boost::container::small_vector<WireCall, 1> calls;  // one call per event, or per answer, is usual
    UsageFacts usage;
    /// Null unless the answer has them (any JSON value; callers check the kind).
    boost::json::value error, reasoning_details;
};

/// Reads `text`; `ec` is set for malformed JSON (the same codes as boost::json::parse). The
/// answer's message is `choices[0].<message_key>`.
void read_answer(std::string_view text, std::string_view message_key, AnswerFacts& facts,
                 boost::system::error_code& ec);

}  // namespace agentroute::net::detail
