// Partial structured output: a streamed answer's text, in pieces, becomes the JSON object of
// its complete members. What comes out must always be valid JSON.

#include "fuzz_input.hpp"

#include "partial_json.hpp"

#include <boost/json.hpp>

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    agentroute::fuzz::Input in(data, size);
    const std::size_t piece = 1 + in.byte() % 16;
    agentroute::detail::PartialOutput partial;
    std::string_view rest = in.rest();
    while (!rest.empty()) {
        const std::size_t n = std::min(piece, rest.size());
        if (std::optional<std::string> members = partial.feed(rest.substr(0, n))) {
            boost::system::error_code ec;
            (void)boost::json::parse(*members, ec);
            if (ec) std::abort();  // never garbage
        }
        rest.remove_prefix(n);
    }
    return 0;
}
