#pragma once

#include <agentroute/content.hpp>

#include <boost/describe/class.hpp>

#include <optional>

namespace agentroute {

/// How a tool runs.
struct ToolOptions {
    /// The handler blocks (file or database I/O, CPU-heavy work, a blocking client): run it on
    /// the runtime's blocking pool so I/O threads and other runs never wait for it. The calling
    /// coroutine resumes on its own executor.
    bool blocking = false;
    /// Send the tool's schema as `strict` (see `ToolDefinition::strict`); unset, not sent.
    std::optional<bool> strict{};
    /// A prompt-caching breakpoint on this tool's definition (Anthropic caches the tool list
    /// up to it).
    std::optional<CacheControl> cache_control{};
};

/// Argument type of a tool that takes no arguments.
struct NoArgs {};
BOOST_DESCRIBE_STRUCT(NoArgs, (), ())

}  // namespace agentroute
