#pragma once

#include <agentroute/detail/agent_core.hpp>
#include <agentroute/detail/describe_json.hpp>

#include <boost/describe/class.hpp>

#include <string>
#include <type_traits>
#include <utility>

namespace agentroute {

/// The argument of an agent used as a tool with a plain prompt: what the calling model asks
/// the agent, as one message.
struct AgentToolInput {
    std::string input;
};
BOOST_DESCRIBE_STRUCT(AgentToolInput, (), (input))

/// An agent packaged as a tool of another (`Agent::as_tool`), for `Agent::tool`.
class AgentTool {
public:
    const ToolDefinition& definition() const noexcept { return entry_.definition; }

private:
    template <class>
    friend class Agent;
    explicit AgentTool(detail::ToolEntry entry) : entry_(std::move(entry)) {}

    detail::ToolEntry entry_;
};

namespace detail {

/// The child's prompt: the input itself for `AgentToolInput`, else the arguments as JSON.
template <class Args>
std::string agent_tool_prompt(const Args& args) {
    if constexpr (std::is_same_v<Args, AgentToolInput>) {
        return args.input;
    } else {
        return boost::json::serialize(to_json(args));
    }
}

}  // namespace detail
}  // namespace agentroute
