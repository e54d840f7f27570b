#pragma once

#include <agentroute/agent_options.hpp>
#include <agentroute/handoff.hpp>
#include <agentroute/model.hpp>
#include <agentroute/run_context.hpp>
#include <agentroute/run_options.hpp>
#include <agentroute/tool_source.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/fwd.hpp>

#include <any>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentroute::detail {

class RunObserver;
struct RunState;
struct RunSetup;
class AgentCore;

/// A type-erased tool: parses its arguments and runs the handler. Throws `SchemaMismatch` for
/// arguments that do not fit, `Retry` to correct the model, anything else to fail the run.
using ToolInvoker =
    std::function<boost::asio::awaitable<std::string>(RunContext&, const boost::json::value&)>;

struct ToolEntry {
    ToolDefinition definition;
    ToolInvoker invoke;
    /// The tool runs an agent (`Agent::as_tool`): its calls in one answer run one at a time
    /// on a multi-threaded executor (on a strand), since they share the caller's run.
    bool runs_agent = false;
};

/// An agent a conversation may be handed to, and the tool the model uses to do it.
struct HandoffTarget {
    std::string tool_name;
    HandoffOptions options;
    /// Strong, unless the edge closes a cycle of handoffs (which would then never be freed):
    /// such a target is kept alive by whoever holds the agents of the cycle.
    std::shared_ptr<AgentCore> strong;
    std::weak_ptr<AgentCore> weak;

    /// The target; throws `ErrorConfig` when it is gone.
    std::shared_ptr<AgentCore> target(const AgentCore& from) const;
};

/// Turns the final text into the output type (held in `std::any`); throws `Retry` when the text
/// does not parse or fit the schema.
using OutputParser = std::function<std::any(const std::string& text)>;
/// One output validator on the type-erased output; may replace it or throw `Retry`.
using OutputValidator = std::function<boost::asio::awaitable<void>(RunContext&, std::any&)>;

struct RunOutcome {
    std::any output;
    Usage usage;
    std::vector<Message> messages;
    std::string run_id;
    std::vector<CallUsage> calls;
    std::string agent;
    std::vector<Handoff> handoffs;
};

/// The non-template part of `Agent<T>`: configuration, tools, and the run loop, compiled once.
/// Immutable once the first run starts; shared by all copies of an agent and all its runs.
class AgentCore : public std::enable_shared_from_this<AgentCore> {
public:
    explicit AgentCore(AgentOptions options);

    void add_tool(ToolEntry tool);
    void add_tool_source(std::shared_ptr<const ToolSource> source);
    void set_output(std::optional<OutputSchema> schema, OutputParser parser);
    void add_validator(OutputValidator validator);
    /// `target` joins this agent's handoffs; its transfer tool joins the tools the model sees.
    void add_handoff(std::shared_ptr<AgentCore> target, HandoffOptions options);

    /// A run. With `parent`, the run is a child of that run (an agent used as a tool): it draws
    /// on the parent's budget and deadline, and its events and calls reach the parent's.
    boost::asio::awaitable<RunOutcome> run(std::string prompt, RunOptions options,
                                           std::shared_ptr<RunObserver> observer = nullptr,
                                           RunState* parent = nullptr);
    RunOutcome run_sync(std::string prompt, RunOptions options);

    const AgentOptions& options() const noexcept { return options_; }
    /// The model a run starting now uses. A model given by name is resolved at construction
    /// (the slug) and its key, base URL and CA file again here, from the environment and the
    /// config file as they are now: an agent built before the key was set, or a rotated key,
    /// works. An explicit `AgentOptions::api_key` always wins.
    std::shared_ptr<Model> model() const;
    /// The model of a run with these options: its own model or key where it gives one (a
    /// name resolved with the run's key; an `OpenRouterModel` object rebuilt with it), else
    /// `model()`. Throws `ErrorConfig` for an unknown name, or for a key with a model object
    /// that cannot take one.
    std::shared_ptr<Model> model_for(const RunOptions& run) const;
    const std::vector<ToolEntry>& tools() const noexcept { return tools_; }
    const std::vector<ToolDefinition>& tool_definitions() const noexcept { return definitions_; }
    const std::vector<std::shared_ptr<const ToolSource>>& tool_sources() const noexcept { return sources_; }
    /// The agent's request parameters; null when it has none.
    const ModelSettings* settings() const noexcept { return has_settings_ ? &options_.settings : nullptr; }
    const std::optional<OutputSchema>& output_schema() const noexcept { return output_schema_; }
    const OutputParser& output_parser() const noexcept { return parser_; }
    const std::vector<OutputValidator>& validators() const noexcept { return validators_; }
    const std::vector<HandoffTarget>& handoffs() const noexcept { return handoffs_; }
    const HandoffTarget* find_handoff(std::string_view tool_name) const noexcept;
    /// `AgentOptions::name`, or "agent" when it has none: how paths and handoffs name it.
    const std::string& display_name() const noexcept { return display_name_; }

private:
    // The run's coroutine: `run` hands it its arguments on the heap, freed once the run's
    // state holds them (as a coroutine's own parameters they would stay in its frame).
    boost::asio::awaitable<RunOutcome> run_from(std::unique_ptr<RunSetup> setup);

    void ensure_configurable() const;
    void ensure_new_tool_name(const std::string& name) const;

    AgentOptions options_;
    std::shared_ptr<Model> model_;  // given, or resolved with an explicit key
    // A named model without an explicit key, resolved per run; reused while its key, base URL
    // and CA file stay the same.
    std::string slug_;
    struct Resolved;
    mutable std::mutex resolved_mutex_;
    mutable std::shared_ptr<const Resolved> resolved_;
    std::vector<ToolEntry> tools_;
    std::vector<ToolDefinition> definitions_;
    std::vector<std::shared_ptr<const ToolSource>> sources_;
    bool has_settings_ = false;
    std::optional<OutputSchema> output_schema_;
    OutputParser parser_;
    std::vector<OutputValidator> validators_;
    std::vector<HandoffTarget> handoffs_;
    std::string display_name_;
    mutable std::atomic<bool> frozen_{false};
};

/// Runs `core` as a child of the run `ctx` belongs to (`Agent::as_tool`). Throws
/// `std::logic_error` for a context that belongs to no run.
boost::asio::awaitable<RunOutcome> run_child(std::shared_ptr<AgentCore> core, RunContext& ctx, std::string prompt);

}  // namespace agentroute::detail
