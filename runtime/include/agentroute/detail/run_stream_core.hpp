#pragma once

#include <agentroute/detail/agent_core.hpp>
#include <agentroute/run_options.hpp>
#include <agentroute/stream_options.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace agentroute::detail {

/// What the few events that are not fragments carry, apart, so that a fragment (the common
/// event) is small to queue and move: the usage (`usage` and terminal events) and one of a
/// tool call (`tool_call_started`, `tool_call`), a message (`tool_result`), a call's record
/// (`usage`) or the outcome (`completed`); the error of `failed` and `cancelled`.
struct StreamDetails {
    Usage usage{};
    std::variant<std::monostate, ToolCall, Message, CallUsage, RunOutcome> payload{};
    std::exception_ptr error{};
    double progress = 0;  ///< tool_progress
    std::optional<double> progress_total{};
};

/// The agent path of a streamed run's events (`RunEvent::agent`), shared by the events of
/// one agent: one pointer per event, one string per agent.
struct AgentPath : boost::intrusive_ref_counter<AgentPath, boost::thread_safe_counter> {
    explicit AgentPath(std::string_view path) : text(path) {}
    const std::string text;
};
using AgentPathRef = boost::intrusive_ptr<const AgentPath>;

/// One event of a streamed run, owned; `RunStream<T>` types its outcome.
struct StreamItem {
    RunEvent::Kind kind{};
    int index = 0;
    std::string text{};
    std::unique_ptr<StreamDetails> details{};  ///< null for text, reasoning and argument fragments
    AgentPathRef agent{};
};

class StreamChannel;

/// What a look at the queue found: the next event, or that there is none and will be none.
struct StreamPoll {
    std::optional<StreamItem> item{};
    bool ended = false;
};

/// Takes the next queued event, without waiting. The first call starts the run, on a strand of
/// `StreamOptions::executor`, else of `executor` (the consumer's).
StreamPoll poll(StreamChannel& channel, const boost::asio::any_io_executor& executor);

/// Waits until `poll` has something to say. Throws `operation_aborted` when the stream stops
/// meanwhile (dropped, or the waiting coroutine cancelled). The caller keeps `channel` alive.
boost::asio::awaitable<void> wait(StreamChannel& channel);

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

    /// The channel, shared: a pending `next()` holds it, so the stream may be dropped meanwhile.
    /// Throws `std::logic_error` on a moved-from stream.
    std::shared_ptr<StreamChannel> channel() const;
    /// Cancels the run, which goes on to its `cancelled` event; a run not started never starts.
    void cancel();

private:
    std::shared_ptr<StreamChannel> channel_;
};

}  // namespace agentroute::detail
