#include "run_state.hpp"

#include <random>

namespace agentroute::detail {

namespace {

std::string path_of(const AgentCore& core, const RunState* parent) {
    if (!parent) return core.display_name();
    return parent->path + " > " + core.display_name();
}

// A child shares its parent's memory unless it has one of its own.
Memory* memory_of(const AgentCore& core, const RunState* parent) {
    if (Memory* own = core.options().memory.get()) return own;
    return parent && parent->ctx.has_memory() ? &parent->ctx.memory() : nullptr;
}

}  // namespace

RunState::RunState(std::shared_ptr<AgentCore> core_in, RunOptions options_in,
                   boost::asio::any_io_executor executor, std::shared_ptr<RunObserver> observer_in,
                   RunState* parent_in)
    : core(std::move(core_in)),
      entry(core),
      parent(parent_in),
      path(path_of(*core, parent)),
      options(std::move(options_in)),
      model(core->model_for(options)),
      observer(std::move(observer_in)),
      tracer(core->options().tracer ? core->options().tracer : parent ? parent->tracer : nullptr),
      max_cost(options.max_cost ? options.max_cost : core->options().max_cost),
      max_turns(options.max_turns.value_or(core->options().max_turns)),
      ctx(options.run_id.empty() ? make_run_id() : options.run_id, core->options().name,
          memory_of(*core, parent), std::move(executor), std::move(options.deps)) {
    ctx.run_ = this;
    if (options.max_turns && *options.max_turns < 1) throw ErrorConfig("RunOptions::max_turns must be at least 1");
    if (options.max_cost && !(*options.max_cost > 0)) {
        throw ErrorConfig("RunOptions::max_cost must be a positive number of USD");
    }
    if (options.deadline) deadline = std::chrono::steady_clock::now() + *options.deadline;
    run_has_settings_ = !(options.settings == ModelSettings{});
    if (run_has_settings_) validate(options.settings);
    // A child ends by its parent's deadline at the latest.
    if (parent && parent->deadline && (!deadline || *parent->deadline < *deadline)) deadline = parent->deadline;
}

const ModelSettings* RunState::settings_for(const AgentCore& agent) {
    if (!run_has_settings_) return agent.settings();
    if (merged_for_ != &agent) {
        merged_settings_ = merge(agent.options().settings, options.settings);
        validate(*merged_settings_);
        merged_for_ = &agent;
    }
    return &*merged_settings_;
}

void RunState::refresh_source_tools() {
    const auto& sources = core->tool_sources();
    std::vector<std::shared_ptr<const std::vector<JsonTool>>> current;
    current.reserve(sources.size());
    for (const auto& source : sources) current.push_back(source->current_tools());
    // The same agent and the same sets as last turn (the usual case): the definitions stand,
    // and their schemas are not copied again for every model call.
    if (current == source_tools && definitions_of == core.get()) return;
    source_tools = std::move(current);
    definitions_of = core.get();
    turn_definitions.clear();
    if (source_tools.empty()) return;  // a handoff may have passed to an agent without any
    turn_definitions = core->tool_definitions();
    for (const auto& tools : source_tools) {
        for (const JsonTool& tool : *tools) turn_definitions.push_back(tool.definition);
    }
}

void RunState::enter_agent(const AgentCore& agent) {
    path = path_of(agent, parent);
    ctx.agent_name_ = agent.options().name;
    if (Memory* own = agent.options().memory.get()) ctx.memory_ = own;
}

RunState* run_state_of(const RunContext& ctx) noexcept { return ctx.run_; }

}  // namespace agentroute::detail

namespace agentroute {

void RunContext::report_progress(double progress, std::optional<double> total, std::string_view message) const {
    if (!run_) return;
    run_->emit({.kind = RunEvent::Kind::tool_progress, .text = message, .progress = progress, .progress_total = total});
}

}  // namespace agentroute

namespace agentroute::detail {

void RunState::count_retry(const std::string& message) {
    ++retries_used;
    if (retries_used > core->options().retries) {
        throw ErrorRetries(core->options().retries, message, usage);
    }
}

std::string make_run_id() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char hex[] = "0123456789abcdef";
    std::string id = "run_";
    id.reserve(36);
    for (int word = 0; word < 2; ++word) {
        std::uint64_t bits = rng();
        for (int i = 0; i < 16; ++i, bits >>= 4) id += hex[bits & 0xf];
    }
    return id;
}

}  // namespace agentroute::detail
