#pragma once

// A blocking HTTP/1.1 client for the serve tests: each call runs on the client's own
// io_context under a deadline (a hang is a failed test, not a stuck suite), over plain TCP or
// verified TLS. Beast lives in http_client.cpp only.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentroute::test {

struct HttpReply {
    int status = 0;
    /// Names lower-cased.
    std::map<std::string, std::string> headers{};
    /// Dechunked.
    std::string body{};
    bool keep_alive = false;

    std::string header(const std::string& name) const {
        const auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

struct HttpCall {
    std::string method = "POST";
    std::string target = "/v1/chat/completions";
    std::string body{};
    std::vector<std::pair<std::string, std::string>> headers{};
};

class HttpClient {
public:
    /// Connects to `host:port`; with `ca_file`, over TLS verifying the server's certificate
    /// for `host`. Throws std::runtime_error when it cannot.
    HttpClient(std::uint16_t port, std::string host = "127.0.0.1", std::optional<std::string> ca_file = {},
               std::chrono::milliseconds timeout = std::chrono::seconds(20));
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// Sends `call` and reads its whole reply (a streamed one to its last chunk).
    HttpReply request(const HttpCall& call);
    /// Reads one reply to what was sent before.
    HttpReply read_reply();
    /// Writes bytes as they are.
    void write_raw(std::string_view bytes);
    /// Writes the head of a POST announcing `content_length` bytes of body, and no body.
    void write_head_only(std::size_t content_length, std::string_view target = "/v1/chat/completions");
    /// Reads raw bytes until `marker` is among them (returns all read so far), or throws at the
    /// deadline or at end of stream.
    std::string read_until(std::string_view marker);
    /// True when the server ends the connection (end of stream or reset) within `within`;
    /// bytes that arrive meanwhile are kept in `read_before_close`.
    bool closed_by_server(std::chrono::milliseconds within, std::string* read_before_close = nullptr);
    /// Closes from this side at once (a TCP close, no TLS close_notify: a client that vanishes).
    void close();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

/// `POST /v1/chat/completions` with a JSON body, as a call.
inline HttpCall chat(std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
    return HttpCall{"POST", "/v1/chat/completions", std::move(body), std::move(headers)};
}
inline HttpCall get(std::string target) { return HttpCall{"GET", std::move(target), {}, {}}; }

/// The `data:` payloads of an SSE body, in order ("[DONE]" included); comments in `comments`.
std::vector<std::string> sse_data(std::string_view body, std::vector<std::string>* comments = nullptr);

}  // namespace agentroute::test
