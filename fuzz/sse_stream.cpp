// The streamed-answer reader: bytes from the server, cut at the points the fuzzer chooses
// (the first byte says how), through the SSE parser into the answer accumulator, then the
// answer or its error. Never a crash, hang or unbounded growth; errors are ErrorProtocol.

#include "fuzz_input.hpp"

#include "openrouter_wire.hpp"
#include "sse_parser.hpp"

#include <agentroute/errors.hpp>

#include <boost/json.hpp>

#include <cstdlib>

using namespace agentroute;
using namespace agentroute::net::detail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input in(data, size);
    const std::size_t piece = 1 + in.byte() % 64;  // the sizes the reads come in
    std::string text;
    StreamAccumulator answer([&text](std::string_view delta) { text.append(delta); },
                             [](const ModelDelta& delta) { (void)delta.text.size(); });
    SseParser sse;
    std::string_view rest = in.rest();
    while (!rest.empty()) {
        const std::size_t n = std::min(piece, rest.size());
        if (!sse.feed(rest.substr(0, n), answer)) break;
        rest.remove_prefix(n);
    }
    try {
        WireOutcome outcome = answer.finish("gen-fuzz");
        if (outcome.response) {
            // Every text fragment reached the caller, and the reasoning is JSON to send back.
            if (outcome.response->message.content != text) std::abort();
            boost::system::error_code ec;
            if (!outcome.response->message.reasoning.empty()) {
                (void)boost::json::parse(outcome.response->message.reasoning, ec);
                if (ec) std::abort();
            }
        }
    } catch (const ErrorProtocol&) {
    }
    return 0;
}
