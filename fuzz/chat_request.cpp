// The fake OpenRouter's reader of a chat request, any bytes from any client: the facts it
// needs, or an error code; never a crash.

#include "chat_facts.hpp"

#include <boost/json/monotonic_resource.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    unsigned char arena[16 * 1024];
    boost::json::monotonic_resource resource(arena, sizeof arena);
    agentroute::testkit::detail::ChatFacts facts{boost::json::storage_ptr(&resource)};
    boost::system::error_code ec;
    agentroute::testkit::detail::read_chat_facts(std::string_view(reinterpret_cast<const char*>(data), size), facts, ec);
    return 0;
}
