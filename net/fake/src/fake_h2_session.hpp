#pragma once

// The fake's HTTP/2 server side without sockets: bytes in, requests out, responses (as Plans)
// in, bytes out. nghttp2 does the framing.

#include "fake_logic.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

struct nghttp2_session;

namespace agentroute::testkit::detail {

class H2ServerSession {
public:
    /// Called for each complete request, with its stream id; answer with `respond`.
    using OnRequest = std::function<void(std::int32_t stream_id, FakeRequest request)>;

    H2ServerSession(OnRequest on_request, std::uint32_t max_streams);
    ~H2ServerSession();
    H2ServerSession(const H2ServerSession&) = delete;
    H2ServerSession& operator=(const H2ServerSession&) = delete;

    /// Feeds bytes read from the client; false on a protocol error (close the connection).
    bool receive(const std::uint8_t* data, std::size_t size);
    /// Frames to write now (empty when there is nothing to send).
    std::string output();
    /// False once both sides are done (GOAWAY exchanged, or a fatal error).
    bool alive() const;

    /// Answers stream `stream_id` as `plan` says: complete, half a body then RST_STREAM,
    /// chunks then RST_STREAM (the h2 form of a cut connection), or a stall.
    void respond(std::int32_t stream_id, Plan plan);
    /// Sends `plan`'s status and headers now and holds the body back (a `head_first` plan).
    void respond_head(std::int32_t stream_id, const Plan& plan);
    /// Sends the body of a plan whose head `respond_head` sent, and ends the stream.
    void respond_body(std::int32_t stream_id, Plan plan);
    /// For a stalled stream: sends `data` (a keep-alive comment); false once the stream is gone.
    bool send_more(std::int32_t stream_id, const std::string& data);

    struct Stream;

private:
    // HEADERS for `plan` (status, its headers, content-length for a whole body), and a body
    // read from the stream as it comes.
    void submit_head(std::int32_t stream_id, const Plan& plan, std::size_t content_length);

    nghttp2_session* session_ = nullptr;
    OnRequest on_request_;
    std::map<std::int32_t, std::unique_ptr<Stream>> streams_;
    friend struct Callbacks;
};

}  // namespace agentroute::testkit::detail
