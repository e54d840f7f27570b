#pragma once

// HTTP/1.1 as text: the request the connection read, and the heads and chunks it writes.
// Beast reads requests (http_server.cpp); answers are written as bytes, so that the handlers
// need no Beast types.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agentroute::serve::detail {

struct HttpRequest {
    std::string method{};
    std::string target{};
    /// Names lower-cased; a repeated header's values joined with ", ".
    std::map<std::string, std::string, std::less<>> headers{};
    std::string body{};
    bool keep_alive = true;

    std::string_view header(std::string_view name) const {
        const auto it = headers.find(name);
        return it == headers.end() ? std::string_view() : std::string_view(it->second);
    }
    /// The target without its query.
    std::string_view path() const {
        const std::string_view t = target;
        return t.substr(0, t.find('?'));
    }
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body{};
    std::vector<std::pair<std::string, std::string>> headers{};
};

/// The status line and headers of an answer; `content_length` < 0: chunked.
std::string response_head(int status, std::string_view content_type, std::int64_t content_length, bool keep_alive,
                          const std::vector<std::pair<std::string, std::string>>& headers = {});

/// A whole answer, head and body.
std::string response_bytes(const HttpResponse& response, bool keep_alive);

/// `data` as one chunk of a chunked body; `last_chunk` ends the body.
void append_chunk(std::string& out, std::string_view data);
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

/// A JSON error answer in OpenAI's shape.
HttpResponse error_response(int status, std::string type, std::string message, std::string code = {});

}  // namespace agentroute::serve::detail
