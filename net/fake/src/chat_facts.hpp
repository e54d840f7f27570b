#pragma once

// What the fake's scenario needs from a chat request, read in one SAX pass: a DOM of each
// request was a fifth of the fake's CPU. A body that is not one JSON object is refused here,
// not found out by a throw while answering.

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

namespace agentroute::testkit::detail {

struct ChatFacts {
    explicit ChatFacts(const boost::json::storage_ptr& sp) : parameters(sp) {}

    bool stream = false;            ///< `"stream": true` at the top level
    bool tool_result_seen = false;  ///< some `messages[i].role` is "tool"
    bool has_tools = false;         ///< `tools` is a non-empty array
    std::string tool_name;          ///< `tools[0].function.name`, when a string
    bool has_parameters = false;    ///< `tools[0].function.parameters` is present
    std::int64_t max_tokens = 0;    ///< `max_tokens`, when a positive integer (0: none)
    /// `tools[0].function.parameters`, built in the caller's storage.
    boost::json::value parameters;
};

/// Reads `body` into `facts`; `ec` is set when it is not one JSON object.
void read_chat_facts(std::string_view body, ChatFacts& facts, boost::system::error_code& ec);

}  // namespace agentroute::testkit::detail
