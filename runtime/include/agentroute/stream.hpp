#pragma once

#include <agentroute/detail/run_stream_core.hpp>
#include <agentroute/result.hpp>
#include <agentroute/run_options.hpp>
#include <agentroute/stream_options.hpp>

#include <boost/asio/awaitable.hpp>

#include <any>
#include <exception>
#include <optional>
#include <string>

namespace agentroute {

/// One event of a streamed run, owned by the consumer (no views into the run).
///
/// Which fields are set follows `RunEvent`: `text` for deltas, `partial_output` (JSON) and the
/// terminal events (what() of the error); `call` for `tool_call_started` (id and name) and
/// `tool_call`; `index` for the call's fragments; `message` for `tool_result`; `usage` for
/// `usage` and every terminal event, `model_call` (the call's record) for `usage`. `result` is
/// set on `completed`, `error` on `failed` and `cancelled`.
template <class T>
struct StreamEvent {
    using Kind = RunEvent::Kind;
    Kind kind{};
    std::string text{};
    ToolCall call{};
    int index = 0;
    std::optional<Message> message{};
    Usage usage{};
    std::optional<Result<T>> result{};
    std::exception_ptr error{};
    std::optional<CallUsage> model_call{};

    /// True for `completed`, `failed` and `cancelled`: the last event of the stream.
    bool terminal() const noexcept { return is_terminal(kind); }
    /// Throws the run's error (an `ErrorAgent` subclass) for `failed` and `cancelled`.
    void rethrow() const {
        if (error) std::rethrow_exception(error);
    }
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
    boost::asio::awaitable<std::optional<StreamEvent<T>>> next() { return typed(core_.next()); }

    /// Cancels the run; it goes on to its `cancelled` event, which carries its usage.
    void cancel() { core_.cancel(); }

private:
    static boost::asio::awaitable<std::optional<StreamEvent<T>>> typed(
        boost::asio::awaitable<std::optional<detail::StreamItem>> next) {
        std::optional<detail::StreamItem> item = co_await std::move(next);
        if (!item) co_return std::nullopt;
        co_return to_event(std::move(*item));
    }

    static std::optional<StreamEvent<T>> to_event(detail::StreamItem&& item) {
        StreamEvent<T> event{item.kind, std::move(item.text), std::move(item.call), item.index,
                             std::move(item.message), item.usage, std::nullopt, std::move(item.error),
                             std::move(item.model_call)};
        if (item.outcome) {
            detail::RunOutcome& out = *item.outcome;
            event.result = Result<T>{std::any_cast<T&&>(std::move(out.output)), out.usage, std::move(out.messages),
                                     std::move(out.run_id), std::move(out.calls)};
        }
        return event;
    }

    detail::RunStreamCore core_;
};

}  // namespace agentroute
