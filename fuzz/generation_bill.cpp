// `GET /generation`'s body: a bill with amounts and counts that are what they say, or none.

#include "call_bill.hpp"

#include <cmath>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    if (auto bill = agentroute::net::detail::parse_generation_bill(body)) {
        if (!std::isfinite(bill->total_cost_usd) || bill->total_cost_usd < 0) std::abort();
        if (bill->input_tokens < 0 || bill->output_tokens < 0) std::abort();
    }
    return 0;
}
