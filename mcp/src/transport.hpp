#pragma once

#include <agentroute/mcp/mcp_client.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace agentroute::mcp::detail {

/// One JSON-RPC message on its way to the server, with what the HTTP binding mirrors into
/// headers.
struct Outgoing {
    std::string_view body;
    bool is_request = false;
    std::string_view method{};
    /// `params.name` of tools/call (the `Mcp-Name` header of the modern revision).
    std::string_view name{};
    /// A request's id: the HTTP binding reads its answer until the response with this id.
    std::int64_t id = -1;
};

/// The session is gone at the server (HTTP 404 on a session id, or a restarted stdio child):
/// the client opens a new one, and re-sends only what cannot have run.
class SessionLost : public ErrorMcp {
public:
    SessionLost(const std::string& what, bool may_have_run) : ErrorMcp(what, 0, may_have_run) {}
};

/// How messages reach one server and its messages come back. Every member runs on the
/// client's strand.
class Transport {
public:
    /// A message from the server, parsed.
    using OnMessage = std::function<void(boost::json::value message)>;
    /// The connection is gone (the child exited, the pipe broke, a message was too large):
    /// requests in flight fail with `why`.
    using OnLost = std::function<void(const std::string& why)>;

    virtual ~Transport() = default;
    /// Starts the child or prepares the connection. Throws `ErrorMcp`.
    virtual boost::asio::awaitable<void> open(OnMessage on_message, OnLost on_lost) = 0;
    /// Sends one message. Over HTTP a request's answer (JSON, or an SSE stream with the
    /// server's notifications and requests before it) is read and delivered through
    /// `on_message` before this returns. Throws `ErrorMcp` (`may_have_run` once the message
    /// may have reached the server) or `SessionLost`.
    virtual boost::asio::awaitable<void> send(const Outgoing& message) = 0;
    /// Ends the session or stops the child.
    virtual boost::asio::awaitable<void> shutdown() = 0;
    /// The revision agreed (sent as `MCP-Protocol-Version` over HTTP).
    virtual void set_protocol_version(const std::string&) {}
    /// After a session-based handshake: opens the channel for messages the server sends of its
    /// own accord (HTTP: the GET stream; its requests, like elicitation, and list changes).
    virtual void listen() {}
    /// Forgets the session (HTTP: the session id), before a new handshake.
    virtual void forget_session() {}
    /// What the server wrote to its stderr (stdio), the last bytes.
    virtual std::string log() const { return {}; }
    /// True when a request's answer arrives within `send` (HTTP), so a `send` that returns
    /// without it means the server ended the stream unanswered.
    virtual bool answers_within_send() const { return false; }
    /// True when a lost connection is the end of the session (stdio: a new child knows nothing
    /// of the old handshake).
    virtual bool session_ends_with_connection() const { return true; }
};

}  // namespace agentroute::mcp::detail
