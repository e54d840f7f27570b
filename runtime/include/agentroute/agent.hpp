#pragma once

#include <agentroute/agent_options.hpp>
#include <agentroute/agent_tool.hpp>
#include <agentroute/detail/agent_core.hpp>
#include <agentroute/detail/braced_run_options.hpp>
#include <agentroute/detail/make_result.hpp>
#include <agentroute/detail/structured_output.hpp>
#include <agentroute/detail/tool_adapter.hpp>
#include <agentroute/errors.hpp>
#include <agentroute/handoff.hpp>
#include <agentroute/json_schema.hpp>
#include <agentroute/result.hpp>
#include <agentroute/run_context.hpp>
#include <agentroute/run_options.hpp>
#include <agentroute/stream.hpp>
#include <agentroute/tool.hpp>
#include <agentroute/tool_source.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>

#include <concepts>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

namespace agentroute {

/// An LLM agent: a model, instructions, tools, an output type `T` and limits.
///
/// `T` is `std::string` for free text, or a Boost.Describe'd struct for structured output: its
/// JSON schema goes to the model and the final answer is parsed into it.
///
/// Lifetime and thread safety: an `Agent` is a handle to shared, immutable state; copies are
/// cheap and every run keeps the state alive. Register tools and validators before the first
/// run (later registration throws `std::logic_error`); after that one agent serves any number
/// of concurrent runs from any number of threads.
template <class T = std::string>
class Agent {
public:
    /// Builds the agent. A model name resolves through `resolve_model` here.
    /// Throws `ErrorConfig` for an unknown model name or missing model.
    explicit Agent(AgentOptions options)
        : core_(std::make_shared<detail::AgentCore>(std::move(options))) {
        if constexpr (!std::is_same_v<T, std::string>) {
            core_->set_output(OutputSchema{"final_result", json_schema<T>()},
                              &detail::parse_structured_output<T>);
        } else {
            core_->set_output(std::nullopt, [](const std::string& text) { return std::any(text); });
        }
    }

    /// Registers a tool. The argument struct is the handler's last parameter (a
    /// Boost.Describe'd struct; none for `(RunContext&)`), and its JSON schema is what the model
    /// sees. The handler returns text, a described value (sent as JSON) or an awaitable of
    /// either; it may throw `Retry` to make the model correct its call.
    ///
    ///     agent.tool("lookup_ticket", "Look up a ticket by id.",
    ///                [](RunContext& ctx, const LookupTicket& args) { return lookup(args.ticket_id); });
    template <class F>
    Agent& tool(std::string name, std::string description, F handler, ToolOptions options = {}) {
        using Args = detail::tool_args_t<F>;
        core_->add_tool(detail::ToolEntry{
            ToolDefinition{std::move(name), std::move(description), json_schema<Args>(), options.strict,
                           options.cache_control},
            detail::make_tool_invoker<Args>(std::move(handler), options)});
        return *this;
    }

    /// Registers a tool described by JSON schema text (`definition.parameters_schema`) whose
    /// handler takes the arguments as JSON: for schemas known only at run time.
    Agent& tool(JsonTool json_tool) {
        core_->add_tool(detail::ToolEntry{std::move(json_tool.definition), std::move(json_tool.invoke)});
        return *this;
    }

    /// Offers the tools of `source` (an MCP server's, see <agentroute/mcp/mcp_client.hpp>) on
    /// every model call, as the source holds them when the call starts. Their names must not
    /// collide with this agent's other tools (a call goes to the first of that name).
    Agent& tools(std::shared_ptr<const ToolSource> source) {
        core_->add_tool_source(std::move(source));
        return *this;
    }

    /// This agent's own tools (registered with `tool`; not its sources', handoffs' or agents
    /// as tools, which need a run of their own) as JSON tools, to offer them elsewhere: an
    /// `mcp::McpServer`, another agent.
    std::vector<JsonTool> json_tools() const {
        std::vector<JsonTool> out;
        for (const detail::ToolEntry& entry : core_->tools()) {
            if (!entry.runs_agent) out.push_back(JsonTool{entry.definition, entry.invoke});
        }
        return out;
    }

    /// Registers an agent as a tool of this one (`child.as_tool(...)`).
    Agent& tool(AgentTool agent_tool) {
        core_->add_tool(std::move(agent_tool.entry_));
        return *this;
    }

    /// This agent as a tool of another: `parent.tool(child.as_tool("research", "Look a topic
    /// up in depth"))`. A call runs this agent as a child of the caller's run, and its output
    /// (the text, or `T` as JSON) is the tool's result. `Args` is what the calling model
    /// passes: `AgentToolInput` (one `input` string, the child's prompt) or a Boost.Describe'd
    /// struct, whose JSON is the prompt.
    ///
    /// The child shares the caller's budget (`max_cost` bounds the whole tree; its own, when
    /// set, bounds it too), deadline, cancellation, dependencies, API key and memory (unless
    /// it has its own); its calls count in the caller's usage, tagged with its path
    /// (`CallUsage::agent`), and its events reach the caller's observers. An `ErrorAgent` of
    /// the child ends the caller's run with it. See docs/multi-agent.md.
    template <class Args = AgentToolInput>
    AgentTool as_tool(std::string name, std::string description) const {
        detail::ToolInvoker invoke = [core = core_](RunContext& ctx,
                                                    const boost::json::value& json) -> boost::asio::awaitable<std::string> {
            const Args args = detail::from_json<Args>(json);
            std::string prompt = detail::agent_tool_prompt(args);
            std::shared_ptr<detail::AgentCore> child = core;
            detail::RunOutcome out = co_await detail::run_child(std::move(child), ctx, std::move(prompt));
            co_return detail::output_text(std::any_cast<const T&>(out.output));
        };
        return AgentTool(detail::ToolEntry{ToolDefinition{std::move(name), std::move(description), json_schema<Args>()},
                                           std::move(invoke), true});
    }

    /// Lets this agent hand the conversation to `target`: the model sees a transfer tool for
    /// it, and once it calls it, `target` (its instructions, model, tools and validators)
    /// continues the same run, and its answer ends it. `Result::agent` names who answered,
    /// `Result::handoffs` the chain; `max_turns` counts model calls across the agents. A
    /// handoff back (a cycle) is allowed: see docs/multi-agent.md for who keeps such agents
    /// alive.
    Agent& handoff(const Agent& target, HandoffOptions options = {}) {
        core_->add_handoff(target.core_, std::move(options));
        return *this;
    }

    /// Adds a validator run on every final answer, in registration order:
    /// `(RunContext&, T) -> T` or `(T) -> T`, or either returning `awaitable<T>`. Throw `Retry`
    /// to send the model back with a correction (bounded by `retries`).
    template <class F>
    Agent& output_validator(F validator) {
        core_->add_validator(detail::make_output_validator<T>(std::move(validator)));
        return *this;
    }

    /// Runs the agent on `prompt` on the caller's executor.
    /// Throws an `ErrorAgent` subclass (carrying the usage spent) when the run fails.
    /// Cancellation: the run honours the awaiting coroutine's cancellation slot and ends with
    /// `ErrorCancelled`.
    boost::asio::awaitable<Result<T>> run(std::string prompt) const {
        // No `RunOptions options = {}` default: GCC 12 destroys an aggregate temporary inside a
        // co_await expression twice, and `co_await agent.run("...")` must be safe.
        return run(std::move(prompt), RunOptions());
    }

    /// Runs the agent with per-run options. With GCC 12, build `options` in a named variable
    /// rather than as a braced temporary inside the `co_await` expression: that compiler
    /// destroys such temporaries twice, so there the braced form does not compile (see
    /// docs/streaming.md, "GCC 12").
#if AGENTROUTE_REFUSE_BRACED_RUN_OPTIONS
    template <std::same_as<RunOptions> Options>
    boost::asio::awaitable<Result<T>> run(std::string prompt, Options options) const {
        return typed(core_, core_->run(std::move(prompt), std::move(options)));
    }
    boost::asio::awaitable<Result<T>> run(std::string prompt, detail::BracedRunOptions options) const = delete;
#else
    boost::asio::awaitable<Result<T>> run(std::string prompt, RunOptions options) const {
        // Not a coroutine: the prompt and options go straight into the run's own frame, and the
        // frame around it holds only what turns the outcome into a Result<T>. Every frame byte
        // is paid once per run in flight.
        return typed(core_, core_->run(std::move(prompt), std::move(options)));
    }
#endif

    /// Runs the agent as a stream of owned events, pulled at the consumer's pace; see
    /// `RunStream`. The run starts at the first `next()`.
    RunStream<T> stream(std::string prompt, RunOptions options = {}, StreamOptions stream_options = {}) const {
        return RunStream<T>(detail::RunStreamCore(core_, std::move(prompt), std::move(options),
                                                  std::move(stream_options)));
    }

    /// Runs the agent to completion on a private `io_context`; for plain programs and scripts.
    /// Do not call it from an executor thread.
    Result<T> run_sync(std::string prompt, RunOptions options = {}) const {
        return to_result(core_->run_sync(std::move(prompt), std::move(options)));
    }

    /// Starts a run on `executor` and completes `token` with
    /// `void(std::exception_ptr, Result<T>)`: callbacks, futures, `yield_context` and
    /// `use_awaitable` all work.
#if AGENTROUTE_REFUSE_BRACED_RUN_OPTIONS
    template <class Executor, std::same_as<RunOptions> Options, class CompletionToken>
    auto async_run(Executor executor, std::string prompt, Options options, CompletionToken&& token) const {
        return boost::asio::co_spawn(std::move(executor), run(std::move(prompt), std::move(options)),
                                     std::forward<CompletionToken>(token));
    }
    template <class Executor, class CompletionToken>
    auto async_run(Executor executor, std::string prompt, detail::BracedRunOptions options,
                   CompletionToken&& token) const = delete;
#else
    template <class Executor, class CompletionToken>
    auto async_run(Executor executor, std::string prompt, RunOptions options, CompletionToken&& token) const {
        return boost::asio::co_spawn(std::move(executor), run(std::move(prompt), std::move(options)),
                                     std::forward<CompletionToken>(token));
    }
#endif

    const AgentOptions& options() const noexcept { return core_->options(); }

private:
    // `core` keeps the agent's state alive for the run, which may outlive this handle.
    static boost::asio::awaitable<Result<T>> typed([[maybe_unused]] std::shared_ptr<detail::AgentCore> core,
                                                   boost::asio::awaitable<detail::RunOutcome> run) {
        detail::RunOutcome out = co_await std::move(run);
        co_return to_result(std::move(out));
    }

    static Result<T> to_result(detail::RunOutcome&& out) {
        return detail::make_result<T>(std::move(out));
    }

    std::shared_ptr<detail::AgentCore> core_;
};

/// `Agent agent({...});` is a free-text agent, `Agent<std::string>`.
Agent(AgentOptions) -> Agent<std::string>;

}  // namespace agentroute
