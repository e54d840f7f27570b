#pragma once

#include <agentroute/model.hpp>
#include <agentroute/run_context.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/fwd.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace agentroute {

/// The handler of a tool whose argument schema is known only at run time: the arguments as the
/// model sent them (a JSON object), the tool's result text back. Throw `Retry` for a result the
/// model should correct its call from; anything else fails the run.
using JsonToolHandler =
    std::function<boost::asio::awaitable<std::string>(RunContext&, const boost::json::value&)>;

/// A tool described by JSON schema text rather than a C++ type (an MCP server's tool).
struct JsonTool {
    ToolDefinition definition;
    JsonToolHandler invoke;
};

/// Tools that may change while an agent serves runs (an MCP server's list, refreshed when the
/// server says it changed). Each model call of a run offers the tools current when it starts,
/// and a call to one of them runs the handler of that same set.
class ToolSource {
public:
    virtual ~ToolSource() = default;
    /// The current set, called from any thread before each model call; never null.
    virtual std::shared_ptr<const std::vector<JsonTool>> current_tools() const = 0;
    /// Awaited before each model call, before `current_tools`: a source that must first reach
    /// its server (an MCP client not connected yet) does it here. Throw to fail the run.
    virtual boost::asio::awaitable<void> prepare() const { co_return; }
};

}  // namespace agentroute
