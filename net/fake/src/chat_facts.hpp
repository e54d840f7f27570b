#pragma once

// What the fake's scenario needs from a chat request, and nothing it cannot use: a body that
// is not one JSON object is refused here, not found out by a throw while answering.

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

namespace agentroute::testing::detail {

struct ChatFacts {
    bool stream = false;            ///< `"stream": true` at the top level
    bool tool_result_seen = false;  ///< some `messages[i].role` is "tool"
    bool has_tools = false;         ///< `tools` is a non-empty array
    std::string tool_name;          ///< `tools[0].function.name`
    /// `tools[0].function.parameters`, or null when absent (points into `request`).
    const boost::json::value* parameters = nullptr;
    /// The request, in the caller's storage.
    boost::json::value request;
};

/// Reads `body`; `ec` is set when it is not one JSON object.
ChatFacts read_chat_facts(std::string_view body, const boost::json::storage_ptr& sp, boost::system::error_code& ec);

}  // namespace agentroute::testing::detail
