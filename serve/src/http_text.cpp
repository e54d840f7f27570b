#include "http_text.hpp"

#include "api_error.hpp"

#include <cstdio>

namespace agentroute::serve::detail {

namespace {

std::string_view reason(int status) {
    switch (status) {
        case 100: return "Continue";
        case 200: return "OK";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 402: return "Payment Required";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 413: return "Content Too Large";
        case 415: return "Unsupported Media Type";
        case 422: return "Unprocessable Content";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        default: return "Unknown";
    }
}

}  // namespace

std::string response_head(int status, std::string_view content_type, std::int64_t content_length, bool keep_alive,
                          const std::vector<std::pair<std::string, std::string>>& headers) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " ";
    out += reason(status);
    out += "\r\nServer: agentroute\r\n";
    if (!content_type.empty()) {
        out += "Content-Type: ";
        out += content_type;
        out += "\r\n";
    }
    for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
    if (content_length < 0) out += "Transfer-Encoding: chunked\r\n";
    else out += "Content-Length: " + std::to_string(content_length) + "\r\n";
    out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    return out;
}

std::string response_bytes(const HttpResponse& r, bool keep_alive) {
    std::string out = response_head(r.status, r.content_type, static_cast<std::int64_t>(r.body.size()), keep_alive, r.headers);
    out += r.body;
    return out;
}

void append_chunk(std::string& out, std::string_view data) {
    if (data.empty()) return;  // an empty chunk would end the body
    char size[24];
    const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    out.append(size, static_cast<std::size_t>(n));
    out.append(data);
    out += "\r\n";
}

HttpResponse error_response(int status, std::string type, std::string message, std::string code) {
    HttpResponse r;
    r.status = status;
    r.body = error_json(ApiError{status, std::move(type), std::move(message), {}, std::move(code)});
    return r;
}

}  // namespace agentroute::serve::detail
