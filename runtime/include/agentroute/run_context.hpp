#pragma once

#include <agentroute/deps.hpp>
#include <agentroute/messages.hpp>
#include <agentroute/trace_context.hpp>
#include <agentroute/usage.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace agentroute {

class Memory;
class RunContext;
namespace detail {
struct RunState;
/// The run `ctx` is the context of; null for a context built outside a run.
RunState* run_state_of(const RunContext& ctx) noexcept;
}  // namespace detail

/// What a tool handler or an output validator sees of the run that called it.
///
/// Thread safety: parallel tool calls of one run share it read-only; it lives until the run
/// ends, so do not keep references to it past the handler's return.
class RunContext {
public:
    RunContext(std::string run_id, std::string agent_name, Memory* memory,
               boost::asio::any_io_executor executor, Deps deps = {})
        : run_id_(std::move(run_id)),
          agent_name_(std::move(agent_name)),
          memory_(memory),
          executor_(std::move(executor)),
          deps_(std::move(deps)) {}

    /// The run's unique id (also sent to OpenRouter as `session_id`).
    const std::string& run_id() const noexcept { return run_id_; }
    /// `AgentOptions::name` of the agent running: after a handoff, the one it went to.
    const std::string& agent_name() const noexcept { return agent_name_; }
    /// True when the agent has a memory.
    bool has_memory() const noexcept { return memory_ != nullptr; }
    /// The agent's memory. Throws `ErrorConfig` when `AgentOptions::memory` is not set.
    Memory& memory() const;
    /// Usage spent by the run so far (before the current tool call).
    const Usage& usage() const noexcept { return usage_; }
    /// Model calls made so far; 1 during the tools of the first turn.
    int turn() const noexcept { return turn_; }
    /// The conversation so far, as of the current turn.
    std::span<const Message> messages() const noexcept { return messages_; }
    /// The run's dependencies (`RunOptions::deps`) as `D`. Throws `ErrorConfig` naming both
    /// types when the run was given none or another type.
    template <class D>
    D& deps() const {
        return deps_.get<D>();
    }
    /// The run's dependencies, type-erased.
    const Deps& dependencies() const noexcept { return deps_; }
    /// The executor the run is on.
    const boost::asio::any_io_executor& executor() const noexcept { return executor_; }
    /// The span of the tool call running, when the agent has a tracer: pass
    /// `trace()->traceparent()` on to the services a tool calls. Null otherwise.
    const TraceContext* trace() const noexcept { return trace_; }
    /// Reports a running tool's progress to the run's observers (`RunEvent::Kind::tool_progress`;
    /// a streamed run forwards it). Call it from the tool's own coroutine, as its result would
    /// be; a context built outside a run ignores it.
    void report_progress(double progress, std::optional<double> total = std::nullopt,
                         std::string_view message = {}) const;

    // The run loop keeps these current; tools only read them.
    void update(const Usage& usage, int turn, std::span<const Message> messages) noexcept {
        usage_ = usage;
        turn_ = turn;
        messages_ = messages;
    }

private:
    friend struct detail::RunState;
    friend detail::RunState* detail::run_state_of(const RunContext& ctx) noexcept;

    std::string run_id_;
    std::string agent_name_;
    Memory* memory_;
    boost::asio::any_io_executor executor_;
    Deps deps_;
    Usage usage_;
    int turn_ = 0;
    std::span<const Message> messages_;
    detail::RunState* run_ = nullptr;  // the run this is the context of, for child runs
    const TraceContext* trace_ = nullptr;
};


}  // namespace agentroute
