#include <agentroute/detail/agent_core.hpp>

#include "run_state.hpp"

#include <agentroute/errors.hpp>
#include <agentroute/resolve_model.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <stdexcept>

namespace agentroute::detail {

struct AgentCore::Resolved {
    ResolvedEndpoint endpoint;
    std::shared_ptr<Model> model;
};

AgentCore::AgentCore(AgentOptions options) : options_(std::move(options)) {
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

void AgentCore::ensure_configurable() const {
    if (frozen_.load(std::memory_order_acquire)) {
        throw std::logic_error("agentroute: register tools and validators before the first run");
    }
}

void AgentCore::add_tool(ToolEntry tool) {
    ensure_configurable();
    for (const ToolEntry& existing : tools_) {
        if (existing.definition.name == tool.definition.name) {
            throw std::logic_error("agentroute: tool '" + tool.definition.name +
                                   "' is registered twice");
        }
    }
    definitions_.push_back(tool.definition);
    tools_.push_back(std::move(tool));
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
