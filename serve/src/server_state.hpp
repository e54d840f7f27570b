#pragma once

// What every connection of one server shares: the agents, the limits, the metrics, and the
// runs and connections a drain must reach.

#include "http_text.hpp"
#include "server_metrics.hpp"
#include "tenant_ledger.hpp"

#include <agentroute/serve/server.hpp>

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>

namespace agentroute::serve {

namespace detail {

/// The connection an answer is written to, as the handlers see it (no Beast types).
class Link {
public:
    virtual ~Link() = default;
    /// Writes all of `bytes`; false when the client is gone (or took longer than the write
    /// timeout, and was closed).
    virtual boost::asio::awaitable<bool> write(std::string_view bytes) = 0;
    /// Watches the connection while an answer is being made: `gone` runs once, on the
    /// connection's strand, when the client closes or resets it. Bytes the client sends meanwhile
    /// (a pipelined request) are kept for the next request.
    virtual void watch(std::function<void()> gone) = 0;
    /// Ends the watch; returns once it has ended.
    virtual boost::asio::awaitable<void> unwatch() = 0;
};

/// What the access log and the metrics learn of a request from its handler.
struct RequestRecord {
    std::string endpoint = "other";
    std::string agent{};
    std::string tenant{};
    std::string outcome{};  // a run's: completed, failed, cancelled
    Usage usage{};
    /// A failed run's error in full, for the server's own log (the client may see less).
    std::string error{};
    int status = 0;
    bool client_gone = false;
    bool streamed = false;
};

/// Keeps something callable from any thread until the returned id is removed.
class CallbackSet {
public:
    std::uint64_t add(std::function<void()> f);
    void remove(std::uint64_t id);
    /// Calls each (outside the lock).
    void call_all() const;

private:
    mutable std::mutex mutex_;
    std::uint64_t next_ = 0;
    std::map<std::uint64_t, std::function<void()>> items_;
};

struct ServedAgent {
    Agent<> agent;
    OnDisconnect on_disconnect;
};

}  // namespace detail

struct Server::State {
    State(boost::asio::any_io_executor e, ServeOptions o)
        : executor(std::move(e)), options(std::move(o)), ledger(options.tenants, options.ledger) {}

    /// `/metrics`: the server's, then its tenants'.
    std::string render_metrics() const {
        std::string out = metrics.render();
        ledger.render(out);
        if (options.telemetry) out += options.telemetry->prometheus();
        return out;
    }

    boost::asio::any_io_executor executor;
    ServeOptions options;
    std::map<std::string, detail::ServedAgent, std::less<>> agents;
    detail::ServerMetrics metrics;
    detail::TenantLedger ledger;
    std::atomic<bool> draining{false};
    /// Closes a connection that waits for its next request (one per open connection).
    detail::CallbackSet idle_closers;
    /// Cancels a run in flight (one per run).
    detail::CallbackSet run_cancellers;
    /// Set by `listen`, in http_server.cpp.
    std::shared_ptr<void> listener;
    std::atomic<std::uint16_t> bound_port{0};
    /// Set by `listen`: the address is a loopback one (`/mcp` then answers localhost only).
    bool on_loopback = false;
};

namespace detail {

/// `POST /v1/chat/completions`: the answer is written to `link` (whole or streamed).
boost::asio::awaitable<void> answer_chat(Server::State& state, const HttpRequest& request, Link& link,
                                         RequestRecord& record);

/// `ServeOptions::mcp_path`, when `ServeOptions::mcp` is set (mcp_route.cpp).
boost::asio::awaitable<void> answer_mcp(Server::State& state, const HttpRequest& request, Link& link,
                                        RequestRecord& record);

/// Every other route; `nullopt` for `POST /v1/chat/completions`.
boost::asio::awaitable<std::optional<HttpResponse>> answer_simple(Server::State& state, const HttpRequest& request,
                                                                  RequestRecord& record);

/// With tenants: the caller of `request`, or the 401 to answer (`record.tenant` set). Without:
/// null and no error.
std::variant<const Tenant*, HttpResponse> authenticate(const Server::State& state, const HttpRequest& request,
                                                       RequestRecord& record);

/// A conversation id as stored: a tenant's ids are its own.
std::string stored_conversation_id(const Tenant* tenant, std::string_view id);

/// The access-log line of one request.
std::string access_log_line(const HttpRequest& request, const RequestRecord& record, std::int64_t bytes_out,
                            std::chrono::steady_clock::duration took);

}  // namespace detail

}  // namespace agentroute::serve
