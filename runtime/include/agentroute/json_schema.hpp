#pragma once

#include <agentroute/detail/describe_json.hpp>

#include <string>

namespace agentroute {

/// The JSON schema of `T` (a Boost.Describe'd struct or enum, or a standard type), as used for
/// tool arguments and structured outputs.
template <class T>
std::string json_schema() {
    return boost::json::serialize(detail::schema_of<T>());
}

}  // namespace agentroute
