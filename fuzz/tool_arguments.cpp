// A tool's arguments as the model sends them: JSON text converted to a described C++ struct
// (every supported member type). Valid input converts; anything else is a SchemaMismatch or
// a JSON error that goes back to the model; never a crash or UB.

#include <agentroute/detail/describe_json.hpp>

#include <boost/describe.hpp>
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace {

struct Inner {
    std::string name;
    std::optional<double> weight;
};
BOOST_DESCRIBE_STRUCT(Inner, (), (name, weight))

struct Arguments {
    std::string ticket_id;
    int count = 0;
    std::int64_t big = 0;
    unsigned small = 0;
    double ratio = 0;
    bool urgent = false;
    std::optional<std::string> note;
    std::vector<std::string> tags;
    std::vector<Inner> items;
    std::optional<std::vector<int>> numbers;
};
BOOST_DESCRIBE_STRUCT(Arguments, (), (ticket_id, count, big, small, ratio, urgent, note, tags, items, numbers))

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
    if (ec) return 0;
    try {
        Arguments a = agentroute::detail::from_json<Arguments>(v);
        (void)a.items.size();
    } catch (const agentroute::detail::SchemaMismatch&) {
    }
    return 0;
}
