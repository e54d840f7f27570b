#pragma once

#include <agentroute/run_options.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>

namespace agentroute {

/// A set of event kinds: `StreamOptions::events`.
class EventKinds {
public:
    /// Every kind.
    constexpr EventKinds() noexcept : bits_(~std::uint32_t{0}) {}
    /// These kinds (the terminal events are always delivered).
    constexpr EventKinds(std::initializer_list<RunEvent::Kind> kinds) noexcept : bits_(0) {
        for (RunEvent::Kind k : kinds) bits_ |= bit(k);
    }
    constexpr bool contains(RunEvent::Kind kind) const noexcept { return (bits_ & bit(kind)) != 0; }

private:
    static constexpr std::uint32_t bit(RunEvent::Kind kind) noexcept {
        return std::uint32_t{1} << static_cast<unsigned>(kind);
    }
    std::uint32_t bits_;
};

/// How a streamed run (`Agent::stream`) meets its consumer.
struct StreamOptions {
    /// Events buffered between the run and a consumer that is behind. A fragment (text,
    /// reasoning, arguments) joins the one before it that the consumer has not taken yet; while
    /// the buffer is full, partial outputs keep only the latest, other events still queue, and
    /// the run waits before its next model call or tool calls, never inside a model's read.
    /// Zero is taken as one.
    std::size_t buffer = 64;
    /// Where the run goes (on a strand of it, unless it is a strand or an `io_context{1}`'s);
    /// the executor of the first `next()` when unset.
    std::optional<boost::asio::any_io_executor> executor{};
    /// The kinds the consumer wants; others are never copied or queued (a consumer forwarding
    /// only text, say `{RunEvent::Kind::text_delta}`, pays for nothing else). Every stream still
    /// ends with its terminal event.
    EventKinds events{};
};

}  // namespace agentroute
