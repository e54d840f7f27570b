#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <optional>

namespace agentroute {

/// How a streamed run (`Agent::stream`) meets its consumer.
struct StreamOptions {
    /// Events buffered between the run and a consumer that is behind. While the buffer is
    /// full, adjacent text, reasoning and argument fragments coalesce into one event, other
    /// events still queue, and the run waits before its next model call or tool calls, never
    /// inside a model's read. Zero is taken as one.
    std::size_t buffer = 64;
    /// Where the run goes (on a strand of it); the executor of the first `next()` when unset.
    std::optional<boost::asio::any_io_executor> executor{};
};

}  // namespace agentroute
