#include "net_error.hpp"

#include <string>

namespace agentroute::net {
namespace {

class Category : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "agentroute.net"; }
    std::string message(int e) const override {
        switch (static_cast<error>(e)) {
            case error::connect_timeout: return "timed out connecting (HttpsOptions::connect_timeout)";
            case error::handshake_timeout: return "timed out in the TLS handshake (HttpsOptions::handshake_timeout)";
            case error::header_timeout:
                return "timed out waiting for the response headers (HttpsOptions::header_timeout; raise it for "
                       "models that think long before answering)";
            case error::idle_timeout: return "the response stalled: no data within HttpsOptions::idle_timeout";
            case error::response_too_large: return "the response is larger than HttpsOptions::max_response_bytes";
            case error::proxy_refused: return "the proxy refused the CONNECT tunnel";
            case error::bad_url: return "malformed URL";
            case error::stream_refused:
                return "the server refused the HTTP/2 stream before processing it (it is shutting the connection down)";
            case error::stream_reset: return "the server reset the HTTP/2 stream mid-response";
            case error::http2_protocol:
                return "the server broke the HTTP/2 protocol (if it keeps happening with this server, set "
                       "HttpsOptions::http2 = false to use HTTP/1.1)";
            case error::duplicate_key:
                return "an object repeats a key (refused: readers could disagree on which value counts)";
            case error::kept_json_too_large:
                return "an error object or reasoning_details holds more than 65536 JSON values";
        }
        return "unknown error";
    }
};

}  // namespace

const boost::system::error_category& net_category() noexcept {
    static const Category category;
    return category;
}

}  // namespace agentroute::net
