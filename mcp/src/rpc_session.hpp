#pragma once

#include "transport.hpp"

#include <agentroute/mcp/mcp_client.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace agentroute::mcp::detail {

using Strand = boost::asio::strand<boost::asio::any_io_executor>;

/// Hands a call's progress to its caller until the call is over, then drops it: the caller's
/// callback may refer to a run that has moved on.
class ProgressRelay {
public:
    explicit ProgressRelay(std::function<void(const McpProgress&)> callback) : callback_(std::move(callback)) {}
    void deliver(const McpProgress& progress) {
        std::lock_guard lock(mutex_);
        if (callback_) callback_(progress);
    }
    void close() {
        std::lock_guard lock(mutex_);
        callback_ = nullptr;
    }

private:
    std::mutex mutex_;
    std::function<void(const McpProgress&)> callback_;
};

/// What one request waits for.
struct RequestSpec {
    std::string method;
    boost::json::object params;
    std::chrono::milliseconds timeout;
    /// `params.name`, mirrored into the modern revision's `Mcp-Name` header.
    std::string name{};
    /// Set: the request asks for progress (`_meta.progressToken`), delivered here on
    /// `progress_executor`.
    std::shared_ptr<ProgressRelay> progress{};
    boost::asio::any_io_executor progress_executor{};
    /// Sent on cancellation or timeout (legacy revisions and stdio: `notifications/cancelled`).
    bool cancellable = false;
};

/// JSON-RPC 2.0 over a transport: ids, the requests in flight and their deadlines, the
/// server's notifications and requests. Lives on the client's strand: every member is called
/// there.
class RpcSession {
public:
    /// Answers a request from the server: its result, or throws `ErrorMcp` (code, message).
    using ServerRequestHandler = std::function<boost::json::value(const std::string& method, const boost::json::object& params)>;
    using NotificationHandler = std::function<void(const std::string& method, const boost::json::object& params)>;

    RpcSession(Strand strand, std::unique_ptr<Transport> transport, ServerRequestHandler on_request,
               NotificationHandler on_notification);
    ~RpcSession();

    /// Opens the transport; a lost connection fails what is in flight and `open()` may be
    /// called again.
    boost::asio::awaitable<void> open();
    bool is_open() const noexcept { return open_; }
    /// Sends a request and returns its result. Throws `ErrorMcp` for an error response, a
    /// timeout (after cancelling it at the server), a lost connection; `operation_aborted` when
    /// the caller was cancelled (the request is cancelled at the server first).
    /// `spec` is the caller's, unchanged (it may send it again): it outlives the call.
    boost::asio::awaitable<boost::json::value> request(const RequestSpec& spec);
    /// Sends a notification.
    boost::asio::awaitable<void> notify(std::string method, boost::json::object params);
    boost::asio::awaitable<void> shutdown();

    Transport& transport() noexcept { return *transport_; }
    /// Whoever owns this session: work it starts in the background holds the owner while it
    /// runs, and does not start once the owner is gone.
    void set_owner(std::weak_ptr<void> owner) { owner_ = std::move(owner); }
    /// Added to every request's `params._meta` (the modern revision's per-request metadata).
    void set_request_meta(boost::json::object meta) { request_meta_ = std::move(meta); }

private:
    struct Pending;

    void on_message(boost::json::value message);
    void on_lost(const std::string& why);
    void answer_server_request(boost::json::value id, const std::string& method,
                               const boost::json::object& params);
    void deliver_progress(const boost::json::object& params);
    boost::asio::awaitable<void> send_in_background(std::shared_ptr<Pending> pending, std::string body,
                                                    std::string method, std::string name, std::int64_t id);
    boost::asio::awaitable<void> write_response(std::string body);

    Strand strand_;
    std::unique_ptr<Transport> transport_;
    ServerRequestHandler on_request_;
    NotificationHandler on_notification_;
    boost::json::object request_meta_;
    std::weak_ptr<void> owner_;
    bool open_ = false;
    std::int64_t next_id_ = 1;
    std::map<std::int64_t, std::shared_ptr<Pending>> pending_;
};

}  // namespace agentroute::mcp::detail
