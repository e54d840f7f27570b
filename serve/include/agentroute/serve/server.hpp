#pragma once

#include <agentroute/agent.hpp>
#include <agentroute/serve/serve_options.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace agentroute::serve {

/// How one agent is served.
struct AgentServeOptions {
    /// The `model` clients name it by; the agent's own name when empty.
    std::string name{};
    /// In place of `ServeOptions::on_disconnect` for this agent.
    std::optional<OnDisconnect> on_disconnect{};
};

/// Agents behind an OpenAI-compatible HTTP API, on the caller's executor:
///
///     Server server(io.get_executor(), options);
///     server.add(support_agent);
///     server.listen();                       // bound: server.port()
///     co_await server.run();                 // until drain() has finished
///
/// Endpoints: `POST /v1/chat/completions` (`model` names an agent; streamed or not),
/// `GET /v1/models`, `GET /v1/conversations/{id}`, `GET /healthz`, `GET /readyz`, `GET /metrics`.
/// See docs/serving.md. Connections are coroutines on strands of the executor (a thread pool
/// serves them in parallel); a run is on its connection's strand.
///
/// Thread safety: `add` and `listen` before `run`; `drain`, `port`, `metrics` from any thread.
class Server {
public:
    explicit Server(boost::asio::any_io_executor executor, ServeOptions options = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Serves `agent` (free-text answers). Throws `ErrorConfig` for a name already served or
    /// empty.
    Server& add(Agent<> agent, AgentServeOptions options = {});

    /// Binds and listens. Throws `ErrorConfig` when the address cannot be bound or the TLS files
    /// cannot be read.
    void listen();

    /// The port listened on (after `listen`).
    std::uint16_t port() const;

    /// Accepts and serves until `drain()` has finished: every connection closed.
    boost::asio::awaitable<void> run();

    /// Stops accepting, closes idle connections, lets runs in flight finish for
    /// `drain_timeout`, then cancels those left; `/readyz` answers 503 from now on. Safe from
    /// any thread and from a signal handler's `asio::signal_set` callback; idempotent.
    void drain();

    /// The server's metrics in Prometheus text exposition format (what `/metrics` answers).
    std::string metrics() const;

    struct State;

private:
    std::shared_ptr<State> state_;
};

/// Serves `agents` with `options` until SIGINT or SIGTERM, then drains: the one-call form of
/// `Server` for a program whose whole job is serving. `on_listening` gets the bound port.
boost::asio::awaitable<void> serve(std::vector<Agent<>> agents, ServeOptions options = {},
                                   std::function<void(std::uint16_t port)> on_listening = {});

}  // namespace agentroute::serve
