#include <agentroute/testing/scripted_model.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <stdexcept>

namespace agentroute::testkit {
namespace {

ScriptStep answer(Message message, std::string finish_reason, Usage usage) {
    ScriptStep step;
    step.response.message = std::move(message);
    step.response.finish_reason = std::move(finish_reason);
    step.response.usage = usage;
    return step;
}

}  // namespace

ScriptedModel::ScriptedModel(std::vector<ScriptStep> script, ScriptedModelOptions options)
    : script_(std::move(script)), options_(std::move(options)) {
    if (script_.empty()) throw std::invalid_argument("ScriptedModel: the script is empty");
}

ScriptStep ScriptedModel::text(std::string text, Usage usage) {
    return answer(Message::assistant(std::move(text)), "stop", usage);
}

ScriptStep ScriptedModel::tool_call(std::string name, std::string arguments, Usage usage) {
    return tool_calls({ToolCall{"call_" + name, std::move(name), std::move(arguments)}}, usage);
}

ScriptStep ScriptedModel::tool_calls(std::vector<ToolCall> calls, Usage usage) {
    for (std::size_t i = 0; i < calls.size(); ++i) {
        if (calls[i].id.empty()) calls[i].id = "call_" + std::to_string(i);
    }
    return answer(Message::assistant({}, std::move(calls)), "tool_calls", usage);
}

const ScriptStep& ScriptedModel::next_step(std::string_view run_id) {
    ++calls_;
    std::size_t index = 0;
    if (options_.per_run) {
        index = per_run_[std::string(run_id)]++;
    } else {
        index = next_++;
    }
    if (index >= script_.size()) {
        throw std::out_of_range("ScriptedModel: the script has only " +
                                std::to_string(script_.size()) + " step(s)");
    }
    return script_[index];
}

boost::asio::awaitable<ModelResponse> ScriptedModel::request(ModelRequest request) {
    if (options_.latency.count() > 0) {
        auto executor = co_await boost::asio::this_coro::executor;
        boost::asio::steady_timer timer(executor, options_.latency);
        co_await timer.async_wait(boost::asio::use_awaitable);
    }
    ScriptStep step;
    {
        std::lock_guard lock(mutex_);
        if (options_.record) {
            RecordedRequest recorded;
            recorded.messages.assign(request.messages.begin(), request.messages.end());
            for (const ToolDefinition& tool : request.tools) recorded.tool_names.push_back(tool.name);
            if (request.output) recorded.output = *request.output;
            recorded.max_output_tokens = request.max_output_tokens;
            recorded.run_id = std::string(request.run_id);
            requests_.push_back(std::move(recorded));
        }
        step = next_step(request.run_id);
    }
    if (step.error) std::rethrow_exception(step.error);
    if (request.on_text_delta && !step.response.message.content.empty()) {
        request.on_text_delta(step.response.message.content);
    }
    if (request.on_delta) {
        // Each call streams as it would from a provider: started (id, name), then its arguments.
        for (std::size_t i = 0; i < step.response.message.tool_calls.size(); ++i) {
            const ToolCall& call = step.response.message.tool_calls[i];
            request.on_delta(ModelDelta{.kind = ModelDelta::Kind::tool_call, .text = call.arguments,
                                        .index = static_cast<int>(i), .id = call.id, .name = call.name});
        }
    }
    if (step.response.usage.model_calls == 0) step.response.usage.model_calls = 1;
    if (step.response.model.empty()) step.response.model = options_.name;
    co_return std::move(step.response);
}

boost::asio::awaitable<std::optional<ModelPrice>> ScriptedModel::price() {
    co_return options_.price;
}

std::vector<RecordedRequest> ScriptedModel::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

std::size_t ScriptedModel::calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
}

}  // namespace agentroute::testkit
