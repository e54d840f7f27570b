#pragma once

#include "https_connection.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace agentroute::net::detail {

/// An https URL split for requests: "https://openrouter.ai/api/v1" -> openrouter.ai, 443, /api/v1.
struct HttpsUrl {
    Endpoint endpoint;
    std::string path;  // without a trailing '/'
};

/// Throws `ErrorConfig` for anything but an https URL with a host.
HttpsUrl parse_https_url(std::string_view url);

/// "http://collector:4318/v1/traces" -> collector, 80 unless given, /v1/traces ("/" when none;
/// kept as written). For loopback or in-cluster services that speak plain HTTP (an OTLP
/// collector); the OpenRouter model never takes one. Throws `ErrorConfig` like the above.
HttpsUrl parse_plain_http_url(std::string_view url);

/// The CONNECT proxy for `host`: `configured` when set, else HTTPS_PROXY / https_proxy, unless
/// NO_PROXY names the host or the host is loopback.
std::optional<Endpoint> proxy_for(const std::string& host, const std::string& configured);

}  // namespace agentroute::net::detail
