// A whole answer body (`/chat/completions` without streaming) and an error body of any status:
// an answer, an error, or ErrorProtocol; never a crash.

#include "fuzz_input.hpp"

#include "openrouter_wire.hpp"

#include <agentroute/errors.hpp>

#include <boost/json.hpp>

#include <cstdlib>

using namespace agentroute;
using namespace agentroute::net::detail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input in(data, size);
    const int status = 200 + in.byte() * 2;
    const std::string_view body = in.rest();
    try {
        WireOutcome outcome = parse_chat_body(body, "");
        // The reasoning goes back to the provider in the next request: it must be JSON.
        if (outcome.response && !outcome.response->message.reasoning.empty()) {
            boost::system::error_code ec;
            (void)boost::json::parse(outcome.response->message.reasoning, ec);
            if (ec) std::abort();
        }
    } catch (const ErrorProtocol&) {
    }
    WireError error = parse_error_body(status, body);
    (void)error.message.size();
    return 0;
}
