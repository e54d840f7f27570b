#pragma once

#include <boost/system/error_code.hpp>

namespace agentroute::net {

/// Expected failures inside net/ are values, not exceptions (mapped once, at the Model boundary).
enum class error {
    connect_timeout = 1,
    handshake_timeout,
    header_timeout,
    idle_timeout,
    response_too_large,
    proxy_refused,
    bad_url,
    stream_refused,
    stream_reset,
    http2_protocol,
    duplicate_key,  ///< a JSON object repeats a key the reader reads
    kept_json_too_large,  ///< a part of an answer kept as JSON holds too many values
};

const boost::system::error_category& net_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), net_category()};
}

}  // namespace agentroute::net

template <>
struct boost::system::is_error_code_enum<agentroute::net::error> : std::true_type {};
