// An agent used as a tool: a run of its own, as a child of the run whose tool called it.

#include <agentroute/detail/agent_core.hpp>

#include "run_state.hpp"

#include <stdexcept>

namespace agentroute::detail {

boost::asio::awaitable<RunOutcome> run_child(std::shared_ptr<AgentCore> core, RunContext& ctx, std::string prompt) {
    RunState* parent = run_state_of(ctx);
    if (!parent) throw std::logic_error("agentroute: an agent tool called with a RunContext that belongs to no run");
    RunOptions options;
    // The request-scoped parts flow down: the caller's objects and the tenant's key. Budget,
    // deadline, observers and memory come through the parent link (RunState).
    options.deps = ctx.dependencies();
    options.api_key = parent->options.api_key;
    // Traced, the child's span sits under the tool call that runs it.
    if (const TraceContext* trace = ctx.trace()) options.trace_parent = *trace;
    std::shared_ptr<RunObserver> observer = parent->observer;  // its backpressure holds children too
    co_return co_await core->run(std::move(prompt), std::move(options), std::move(observer), parent);
}

}  // namespace agentroute::detail
