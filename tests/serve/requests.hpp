#pragma once

// What the serve tests send: the scenario's question whole and streamed, a raw POST for a
// client that must control its bytes, a bearer header, and the tool the fake's scenario calls.

#include <boost/describe.hpp>

#include <string>
#include <utility>

namespace agentroute::test {

inline const std::string hello =
    R"({"model":"support","messages":[{"role":"user","content":"Why is ticket 4821 blocked?"}]})";
inline const std::string stream_hello =
    R"({"model":"support","stream":true,"messages":[{"role":"user","content":"Why is ticket 4821 blocked?"}]})";

/// A whole POST /v1/chat/completions of `body`, with `headers` ("Name: value\r\n" each).
inline std::string raw_post(const std::string& body, const std::string& headers = {}) {
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

inline std::pair<std::string, std::string> bearer(const std::string& token) {
    return {"Authorization", "Bearer " + token};
}

/// The argument of the scenario's tool call (the fake fills `ticket_id`).
struct Lookup {
    std::string ticket_id;
};
BOOST_DESCRIBE_STRUCT(Lookup, (), (ticket_id))

}  // namespace agentroute::test
