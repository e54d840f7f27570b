#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace agentroute::telemetry::detail {

struct PostResult {
    boost::system::error_code ec;  ///< set when no answer came (refused, reset, timed out)
    int status = 0;
    std::string retry_after;  ///< the `Retry-After` header, when any
    std::string body;
};

/// POSTs JSON to one collector URL, http:// (Beast over TCP, one kept-alive connection) or
/// https:// (the OpenRouter model's verified TLS client and pool). One post at a time: the
/// exporter's sender is its only caller.
class OtlpHttpPoster {
public:
    /// Throws `ErrorConfig` for a URL that is neither http nor https with a host.
    OtlpHttpPoster(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                   const std::string& ca_file, std::chrono::milliseconds timeout);
    ~OtlpHttpPoster();

    /// `body` stays the caller's (a retry sends it again) and alive until this completes.
    boost::asio::awaitable<PostResult> post(const std::string& body);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace agentroute::telemetry::detail
