#pragma once

#include <agentroute/detail/make_result.hpp>
#include <agentroute/detail/run_stream_core.hpp>
#include <agentroute/result.hpp>
#include <agentroute/run_options.hpp>
#include <agentroute/stream_options.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/this_coro.hpp>

#include <any>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace agentroute {

/// One event of a streamed run, owned by the consumer (no views into the run).
///
/// Small to move and hold, as every event of every stream in flight is: the kind, the text
/// and the index inline; what only a few kinds carry behind accessors. What is set follows
/// `RunEvent`: `text` for fragments, `partial_output` (JSON) and the terminal events (what()
/// of the error); `index` for a tool call's fragments; `call()` for `tool_call_started` (id
/// and name) and `tool_call`; `message()` for `tool_result`; `usage()` for `usage` and every
/// terminal event; `model_call()` (the call's record) for `usage`; `result()` for `completed`;
/// `error()` for `failed` and `cancelled`.
template <class T>
class StreamEvent {
public:
    using Kind = RunEvent::Kind;
    Kind kind{};
    int index = 0;  // next to `kind`: the two share one word
    std::string text{};

    /// The tool call: id and name (`tool_call_started`), arguments too (`tool_call`); empty
    /// for other events.
    const ToolCall& call() const noexcept {
        static const ToolCall none{};
        const ToolCall* call = payload<ToolCall>();
        return call ? *call : none;
    }
    /// The message going back to the model (`tool_result`), else null.
    const Message* message() const noexcept { return payload<Message>(); }
    /// The run's usage so far (`usage` and terminal events), else zero.
    const Usage& usage() const noexcept {
        static const Usage none{};
        return details_ ? details_->usage : none;
    }
    /// The record of the call just made (`usage`), else null.
    const CallUsage* model_call() const noexcept { return payload<CallUsage>(); }
    /// The run's result (`completed`), else null; it may be moved out.
    Result<T>* result() noexcept { return result_.get(); }
    const Result<T>* result() const noexcept { return result_.get(); }
    /// A running tool's progress (`tool_progress`), and of how much when it knows; `text` is
    /// its message.
    double progress() const noexcept { return details_ ? details_->progress : 0; }
    std::optional<double> progress_total() const noexcept {
        return details_ ? details_->progress_total : std::nullopt;
    }
    /// The run's error (`failed`, `cancelled`), else null.
    std::exception_ptr error() const noexcept { return details_ ? details_->error : nullptr; }

    /// The agent the event comes from: "triage", or "research > web" for an agent used as a
    /// tool (`RunEvent::agent`).
    std::string_view agent() const noexcept { return agent_ ? std::string_view(agent_->text) : std::string_view(); }

    /// True for `completed`, `failed` and `cancelled`: the last event of the stream.
    bool terminal() const noexcept { return is_terminal(kind); }
    /// Throws the run's error (an `ErrorAgent` subclass) for `failed` and `cancelled`.
    void rethrow() const {
        if (auto e = error()) std::rethrow_exception(e);
    }

private:
    template <class>
    friend class RunStream;

    template <class P>
    const P* payload() const noexcept {
        return details_ ? std::get_if<P>(&details_->payload) : nullptr;
    }

    std::unique_ptr<detail::StreamDetails> details_{};
    std::unique_ptr<Result<T>> result_{};
    detail::AgentPathRef agent_{};
};

/// A run as an awaitable sequence of events: `Agent::stream`.
///
///     auto stream = agent.stream("Summarize ticket 42");
///     while (auto event = co_await stream.next()) {
///         if (event->kind == RunEvent::Kind::text_delta) forward(event->text);
///     }
///
/// The run starts at the first `next()` (on `StreamOptions::executor`, else on that call's
/// executor) and is one run of the ordinary loop: the same guards, tools, storage and events
/// as `run()`. Exactly one terminal event ends every started stream; `next()` then returns
/// nullopt. Destroying the stream, or cancelling the coroutine awaiting `next()`, cancels the
/// run within one event (its usage still reaches `RunOptions::on_event`'s `cancelled` event,
/// and a stored conversation gets whole turns only).
///
/// Thread safety: one consumer, awaiting `next()` from one coroutine at a time; the run may be
/// on another thread. Do not move or destroy the stream while a `next()` is pending except to
/// abandon it.
template <class T>
class RunStream {
public:
    explicit RunStream(detail::RunStreamCore core) : core_(std::move(core)) {}

    /// The next event, or nullopt after the terminal one.
    boost::asio::awaitable<std::optional<StreamEvent<T>>> next() {
        // Its own share of the channel: the stream may be dropped while this waits (which stops
        // the run); nothing of `this` is touched after the first suspension.
        const std::shared_ptr<detail::StreamChannel> channel = core_.channel();
        const auto executor = co_await boost::asio::this_coro::executor;
        for (;;) {
            detail::StreamPoll polled = detail::poll(*channel, executor);
            if (polled.item) co_return to_event(std::move(*polled.item));
            if (polled.ended) co_return std::nullopt;
            co_await detail::wait(*channel);
        }
    }

    /// Cancels the run; it goes on to its `cancelled` event, which carries its usage.
    void cancel() { core_.cancel(); }

private:
    static StreamEvent<T> to_event(detail::StreamItem&& item) {
        StreamEvent<T> event;
        event.kind = item.kind;
        event.text = std::move(item.text);
        event.index = item.index;
        event.details_ = std::move(item.details);
        event.agent_ = std::move(item.agent);
        if (auto* out = event.details_ ? std::get_if<detail::RunOutcome>(&event.details_->payload) : nullptr) {
            event.result_ = std::make_unique<Result<T>>(detail::make_result<T>(std::move(*out)));
            event.details_->payload = std::monostate{};
        }
        return event;
    }

    detail::RunStreamCore core_;
};

}  // namespace agentroute
