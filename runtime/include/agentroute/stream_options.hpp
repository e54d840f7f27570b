#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <optional>

namespace agentroute {

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
};

}  // namespace agentroute
