#pragma once

// Where the messages of one request go: its answer, and what its handler sends meanwhile
// (progress, log messages, requests to the client).

#include "wakeup.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace agentroute::mcp::detail {

class Sink {
public:
    virtual ~Sink() = default;
    /// One serialized JSON-RPC message; from any thread.
    virtual void send(std::string message) = 0;
    /// The request's answer has been sent (or it was cancelled): nothing more comes.
    virtual void finish() = 0;
    /// SSE polling: the response in progress ends; the client resumes after `retry`.
    virtual void end_response(std::chrono::milliseconds /*retry*/) {}
};

/// Streamable HTTP: a request's messages as SSE events, numbered `<stream>-<n>` so that a
/// client whose response ended (SSE polling, a dropped connection) resumes with
/// `Last-Event-ID`. One consumer (an HTTP response) at a time; events sent while none is
/// attached wait for the next, up to `max_kept_bytes` (then the oldest go).
class EventStream final : public Sink {
public:
    EventStream(std::uint64_t id, std::size_t max_kept_bytes) : id_(id), max_kept_bytes_(max_kept_bytes) {}

    std::uint64_t id() const noexcept { return id_; }

    void send(std::string message) override;
    void finish() override;
    void end_response(std::chrono::milliseconds retry) override;

    struct Next {
        enum class Kind : std::uint8_t { event, finished, ended } kind = Kind::finished;
        /// For `event`: its number and the JSON-RPC message.
        std::uint64_t number = 0;
        std::string message{};
    };

    /// Attaches the caller's response as the consumer, starting after event `after` (unset:
    /// after the last one a consumer was given); returns its token. A consumer attached
    /// before is told to end.
    std::uint64_t attach(const boost::asio::any_io_executor& executor, std::optional<std::uint64_t> after);
    /// The next event for consumer `token`, on its executor: `finished` once the answer has
    /// gone out, `ended` when `end_response` or a newer consumer ended this response.
    boost::asio::awaitable<Next> next(std::uint64_t token);
    /// Waits, at most `limit`, for the request to finish having sent nothing but its answer:
    /// true then (a JSON reply will do); false as soon as something else was sent or the
    /// response was asked to end, or at `limit` (the reply is then a stream). No consumer may
    /// be attached yet.
    boost::asio::awaitable<bool> answered_alone_within(const boost::asio::any_io_executor& executor,
                                                       std::chrono::milliseconds limit);
    /// Consumer `token` is gone (its client left): events wait for the next one.
    void detach(std::uint64_t token);

    /// The priming event of a new response: the id of the last event given (so a client that
    /// resumes from it misses nothing) and no data, with the reconnection delay.
    std::string priming_event(std::chrono::milliseconds retry) const;
    /// An event's SSE form.
    std::string sse_event(std::uint64_t number, std::string_view message) const;

    bool finished_and_delivered() const;

private:
    struct Event {
        std::uint64_t number;
        std::string message;
    };

    const std::uint64_t id_;
    const std::size_t max_kept_bytes_;
    mutable std::mutex mutex_;
    std::deque<Event> events_;
    std::size_t kept_bytes_ = 0;
    std::uint64_t next_number_ = 1;
    std::uint64_t delivered_ = 0;  // the last event number the attached consumer has
    bool finished_ = false;
    bool end_requested_ = false;
    std::uint64_t consumer_ = 0;  // the token of the attached consumer; 0: none
    std::uint64_t last_token_ = 0;
    std::shared_ptr<Wakeup> wake_;  // the attached consumer's
};

}  // namespace agentroute::mcp::detail
