#pragma once

#include <agentroute/detail/describe_json.hpp>

#include <string>

namespace agentroute::detail {

inline const std::string& output_text(const std::string& output) { return output; }

template <class T>
std::string output_text(const T& output) {
    return boost::json::serialize(to_json(output));
}

}  // namespace agentroute::detail
