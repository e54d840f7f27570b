#pragma once

#include <boost/describe/class.hpp>

namespace agentroute {

/// How a tool runs.
struct ToolOptions {
    /// The handler blocks (file or database I/O, CPU-heavy work, a blocking client): run it on
    /// the runtime's blocking pool so I/O threads and other runs never wait for it. The calling
    /// coroutine resumes on its own executor.
    bool blocking = false;
};

/// Argument type of a tool that takes no arguments.
struct NoArgs {};
BOOST_DESCRIBE_STRUCT(NoArgs, (), ())

}  // namespace agentroute
