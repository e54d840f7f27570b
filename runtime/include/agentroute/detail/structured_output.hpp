#pragma once

#include <agentroute/detail/describe_json.hpp>
#include <agentroute/errors.hpp>

#include <any>
#include <string>
#include <string_view>

namespace agentroute::detail {

/// The JSON inside a final answer: the text itself, or the body of a ```json fence that some
/// models wrap around it.
std::string_view strip_json_fence(std::string_view text) noexcept;

/// Parses JSON text, throwing `Retry` with a message for the model when it is not JSON.
boost::json::value parse_output_json(std::string_view text);

template <class T>
std::any parse_structured_output(const std::string& text) {
    boost::json::value json = parse_output_json(strip_json_fence(text));
    try {
        return std::any(from_json<T>(json));
    } catch (const SchemaMismatch& e) {
        throw Retry(std::string("Your final answer does not match the required JSON schema (") +
                    e.what() + "). Answer again with only a JSON object that follows the schema.");
    }
}

}  // namespace agentroute::detail
