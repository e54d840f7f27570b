#include <agentroute/detail/agent_core.hpp>

#include "run_state.hpp"

#include <agentroute/errors.hpp>
#include <agentroute/net/openrouter_model.hpp>
#include <agentroute/resolve_model.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <stdexcept>

namespace agentroute::detail {

struct AgentCore::Resolved {
    ResolvedEndpoint endpoint;
    std::shared_ptr<Model> model;
};

AgentCore::AgentCore(AgentOptions options)
    : options_(std::move(options)), display_name_(options_.name.empty() ? "agent" : options_.name) {
    if (options_.model.model()) {
        model_ = options_.model.model();
    } else if (!options_.model.name().empty()) {
        slug_ = infer_slug(options_.model.name());  // an unknown name fails here, at once
        if (options_.api_key && !options_.api_key->empty()) {
            model_ = resolve_model(slug_, ResolveOptions{.api_key = options_.api_key});
        }
    } else {
        throw ErrorConfig("AgentOptions::model is not set: give a model name such as "
                          "\"anthropic/claude-sonnet-4\" or a Model object");
    }
    if (options_.max_turns < 1) throw ErrorConfig("AgentOptions::max_turns must be at least 1");
    if (options_.retries < 0) throw ErrorConfig("AgentOptions::retries must not be negative");
    if (options_.max_cost && !(*options_.max_cost > 0)) {
        throw ErrorConfig("AgentOptions::max_cost must be a positive number of USD");
    }
    has_settings_ = !(options_.settings == ModelSettings{});
    if (has_settings_) validate(options_.settings);
}

std::shared_ptr<Model> AgentCore::model() const {
    if (model_) return model_;
    ResolvedEndpoint now = resolve_endpoint();
    std::lock_guard lock(resolved_mutex_);
    if (!resolved_ || !(resolved_->endpoint == now)) {
        auto model = resolve_model(slug_, ResolveOptions{.api_key = now.api_key, .base_url = now.base_url,
                                                         .ca_file = now.ca_file});
        resolved_ = std::make_shared<const Resolved>(Resolved{std::move(now), std::move(model)});
    }
    return resolved_->model;
}

namespace {

std::shared_ptr<Model> with_key(const std::shared_ptr<Model>& model, const std::string& key) {
    const auto* openrouter = dynamic_cast<const OpenRouterModel*>(model.get());
    if (!openrouter) {
        throw ErrorConfig("RunOptions::api_key cannot reach the model '" + model->name() +
                          "': it is a Model object of its own kind; give the model by name, or an "
                          "OpenRouterModel");
    }
    OpenRouterOptions options = openrouter->options();
    options.api_key = key;
    return std::make_shared<OpenRouterModel>(std::move(options));
}

}  // namespace

std::shared_ptr<Model> AgentCore::model_for(const RunOptions& run) const {
    const bool own_key = run.api_key && !run.api_key->empty();
    if (run.model.model()) return own_key ? with_key(run.model.model(), *run.api_key) : run.model.model();
    if (run.model.name().empty()) {
        if (!own_key) return model();                                // the common case
        if (slug_.empty()) return with_key(model_, *run.api_key);  // the agent's model is an object
    }
    const std::string slug = run.model.name().empty() ? slug_ : infer_slug(run.model.name());
    // A name of its own, or a key of its own: resolved for this run (the connection pool and
    // the catalogue are shared, so this costs a few allocations, not a connection).
    ResolveOptions resolve;
    if (own_key) {
        resolve.api_key = run.api_key;
    } else if (options_.api_key && !options_.api_key->empty()) {
        resolve.api_key = options_.api_key;
    }
    return resolve_model(slug, std::move(resolve));
}

void AgentCore::ensure_configurable() const {
    if (frozen_.load(std::memory_order_acquire)) {
        throw std::logic_error("agentroute: register tools and validators before the first run");
    }
}

void AgentCore::add_tool(ToolEntry tool) {
    ensure_configurable();
    ensure_new_tool_name(tool.definition.name);
    definitions_.push_back(tool.definition);
    tools_.push_back(std::move(tool));
}

void AgentCore::add_tool_source(std::shared_ptr<const ToolSource> source) {
    ensure_configurable();
    if (!source) throw std::invalid_argument("agentroute: a tool source must not be null");
    sources_.push_back(std::move(source));
}

void AgentCore::ensure_new_tool_name(const std::string& name) const {
    for (const ToolDefinition& existing : definitions_) {
        if (existing.name == name) {
            throw std::logic_error("agentroute: tool '" + name + "' is registered twice");
        }
    }
}

namespace {

// OpenAI-style tool names: letters, digits, '_' and '-', at most 64 bytes.
std::string transfer_tool_name(const std::string& target) {
    std::string name = "transfer_to_";
    for (char c : target) {
        const bool kept = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        name += kept ? c : '_';
    }
    if (name.size() > 64) name.resize(64);
    return name;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// Whether `to` is reachable from `from` through strong handoff edges.
bool reaches(const AgentCore& from, const AgentCore* to, std::vector<const AgentCore*>& seen) {
    if (&from == to) return true;
    if (std::find(seen.begin(), seen.end(), &from) != seen.end()) return false;
    seen.push_back(&from);
    for (const HandoffTarget& edge : from.handoffs()) {
        if (edge.strong && reaches(*edge.strong, to, seen)) return true;
    }
    return false;
}

}  // namespace

void AgentCore::add_handoff(std::shared_ptr<AgentCore> target, HandoffOptions options) {
    ensure_configurable();
    if (!target) throw std::logic_error("agentroute: handoff to no agent");
    HandoffTarget edge;
    edge.tool_name = options.tool_name.empty() ? transfer_tool_name(target->display_name()) : options.tool_name;
    ensure_new_tool_name(edge.tool_name);
    const std::string description =
        options.description.empty() ? first_line(target->options().instructions) : options.description;
    definitions_.push_back(ToolDefinition{edge.tool_name,
                                          "Hand the conversation over to " + target->display_name() + "." +
                                              (description.empty() ? "" : " " + description),
                                          R"({"type":"object","properties":{},"additionalProperties":false})"});
    // An edge back to an agent that already reaches this one closes a cycle: held weakly, or
    // the agents of the cycle would keep each other alive forever.
    std::vector<const AgentCore*> seen;
    if (reaches(*target, this, seen)) {
        edge.weak = target;
    } else {
        edge.strong = std::move(target);
    }
    edge.options = std::move(options);
    handoffs_.push_back(std::move(edge));
}

const HandoffTarget* AgentCore::find_handoff(std::string_view tool_name) const noexcept {
    for (const HandoffTarget& edge : handoffs_) {
        if (edge.tool_name == tool_name) return &edge;
    }
    return nullptr;
}

std::shared_ptr<AgentCore> HandoffTarget::target(const AgentCore& from) const {
    if (strong) return strong;
    if (auto alive = weak.lock()) return alive;
    throw ErrorConfig("the agent '" + from.display_name() + "' hands off with '" + tool_name +
                      "' to an agent that no longer exists: keep the agents of a handoff cycle "
                      "alive while they run (docs/multi-agent.md)");
}

void AgentCore::set_output(std::optional<OutputSchema> schema, OutputParser parser) {
    ensure_configurable();
    output_schema_ = std::move(schema);
    parser_ = std::move(parser);
}

void AgentCore::add_validator(OutputValidator validator) {
    ensure_configurable();
    validators_.push_back(std::move(validator));
}

RunOutcome AgentCore::run_sync(std::string prompt, RunOptions options) {
    boost::asio::io_context io{1};
    auto future = boost::asio::co_spawn(io, run(std::move(prompt), std::move(options)),
                                        boost::asio::use_future);
    io.run();
    return future.get();
}

}  // namespace agentroute::detail
