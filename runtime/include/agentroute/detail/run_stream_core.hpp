#pragma once

#include <agentroute/detail/agent_core.hpp>
#include <agentroute/run_options.hpp>
#include <agentroute/stream_options.hpp>

#include <boost/asio/awaitable.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <string>

namespace agentroute::detail {

/// One event of a streamed run, owned; `RunStream<T>` types its outcome.
struct StreamItem {
    RunEvent::Kind kind{};
    std::string text{};
    ToolCall call{};
    int index = 0;
    std::optional<Message> message{};
    Usage usage{};
    std::optional<CallUsage> model_call{};  ///< usage
    std::optional<RunOutcome> outcome{};  ///< completed
    std::exception_ptr error{};           ///< failed, cancelled
};

class StreamChannel;

/// The non-template part of `RunStream<T>`: the run, the bounded buffer between it and the
/// consumer, and what stops the run when the consumer goes.
class RunStreamCore {
public:
    RunStreamCore(std::shared_ptr<AgentCore> core, std::string prompt, RunOptions options,
                  StreamOptions stream_options);
    RunStreamCore(RunStreamCore&&) noexcept;
    RunStreamCore& operator=(RunStreamCore&&) noexcept;
    /// A run still going is cancelled.
    ~RunStreamCore();

    /// The next event; nullopt after the terminal one. Starts the run on the first call.
    boost::asio::awaitable<std::optional<StreamItem>> next();
    /// Cancels the run, which goes on to its `cancelled` event; a run not started never starts.
    void cancel();

private:
    std::shared_ptr<StreamChannel> channel_;
};

}  // namespace agentroute::detail
