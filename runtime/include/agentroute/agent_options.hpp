#pragma once

#include <agentroute/model.hpp>
#include <agentroute/model_settings.hpp>

#include <concepts>
#include <memory>
#include <optional>
#include <string>

namespace agentroute {

class Memory;
class HistoryPolicy;
class RunTracer;

/// A model given by name ("claude-sonnet-4", "anthropic/claude-sonnet-4") or as an object.
/// Names resolve through `resolve_model` when the agent is built.
class ModelRef {
public:
    ModelRef() = default;
    ModelRef(const char* name) : name_(name) {}
    ModelRef(std::string name) : name_(std::move(name)) {}
    template <std::derived_from<Model> M>
    ModelRef(std::shared_ptr<M> model) : model_(std::move(model)) {}

    const std::string& name() const noexcept { return name_; }
    const std::shared_ptr<Model>& model() const noexcept { return model_; }
    bool empty() const noexcept { return name_.empty() && !model_; }

private:
    std::string name_;
    std::shared_ptr<Model> model_;
};

/// How an agent is configured. Field order follows the spec and only ever grows at the end, so
/// designated initializers stay valid:
///
///     Agent agent({.name = "support", .model = "anthropic/claude-sonnet-4", .max_cost = 0.50});
struct AgentOptions {
    /// A name for logs and `RunContext::agent_name`.
    std::string name{};
    /// The model: a name or slug resolved through OpenRouter, or a `Model` object.
    ModelRef model{};
    /// The system message of every run.
    std::string instructions{};
    /// Hard ceiling in USD per run; crossing it ends the run with `ErrorBudget`.
    std::optional<double> max_cost{};
    /// Model calls a run may make; one more ends it with `ErrorMaxTurns`.
    int max_turns = 10;
    /// Corrective passes (`Retry`, invalid tool arguments, unparsable output) a run may take;
    /// one more ends it with `ErrorRetries`.
    int retries = 1;
    /// Memory that tools reach through `RunContext::memory()`, also storing conversations.
    std::shared_ptr<Memory> memory{};
    /// History policy applied before every model call; unbounded history when null.
    std::shared_ptr<HistoryPolicy> history{};
    /// OpenRouter key for model names; otherwise `AGENTROUTE_API_KEY`, `OPENROUTER_API_KEY`,
    /// then `~/.agentroute/config`. Never logged.
    std::optional<std::string> api_key{};
    /// With `max_cost` set, a call whose cost is unknown (`CostSource::unknown`) stops the run
    /// with `ErrorCostUnknown` before its next model call. true: run on, the ceiling then only
    /// counts the costs that are known.
    bool allow_unknown_cost = false;
    /// Request parameters of every model call (sampling, tool choice, reasoning, plugins,
    /// server tools, user, extra members); a run's `RunOptions::settings` override them.
    /// Checked when the agent is built (`ErrorConfig`).
    ModelSettings settings{};
    /// A prompt-caching breakpoint on the instructions (the system message), so that long
    /// instructions are read from the provider's cache on later calls.
    std::optional<CacheControl> cache_instructions{};
    /// Where the agent's runs, model calls and tool calls are reported as spans (and metrics):
    /// a `telemetry::Telemetry`, or a tracer of your own. None: no tracing work at all. An
    /// agent used as a tool without one reports to its caller's.
    std::shared_ptr<RunTracer> tracer{};
};

}  // namespace agentroute
