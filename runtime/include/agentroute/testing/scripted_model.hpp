#pragma once

#include <agentroute/detail/testing_alias.hpp>
#include <agentroute/model.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace agentroute::testkit {

/// One scripted answer: a response, or an error to throw instead.
struct ScriptStep {
    ModelResponse response{};
    std::exception_ptr error{};
};

/// A copy of what one request carried, for assertions.
struct RecordedRequest {
    std::vector<Message> messages{};
    std::vector<std::string> tool_names{};
    std::optional<OutputSchema> output{};
    std::optional<std::int64_t> max_output_tokens{};
    std::string run_id{};
};

struct ScriptedModelOptions {
    /// Wait this long (on a timer, not blocking) before each answer.
    std::chrono::steady_clock::duration latency{};
    /// Pick the answer by the run's own call count (step k for a run's k-th call), so any
    /// number of concurrent runs each see the whole script. Otherwise the script is one queue
    /// shared by all runs.
    bool per_run = false;
    /// Keep a copy of every request (turn off for load tests).
    bool record = true;
    /// Catalogue price, for tests of the cost ceiling.
    std::optional<ModelPrice> price{};
    std::string name = "test/scripted";
};

/// An in-process model that answers from a script, for tests (yours and ours).
///
/// Thread safety: safe to share between concurrent runs.
class ScriptedModel : public Model {
public:
    explicit ScriptedModel(std::vector<ScriptStep> script, ScriptedModelOptions options = {});

    /// A final text answer (finish_reason "stop").
    static ScriptStep text(std::string text, Usage usage = default_usage());
    /// One tool call (finish_reason "tool_calls"); `arguments` is JSON text.
    static ScriptStep tool_call(std::string name, std::string arguments, Usage usage = default_usage());
    /// Several tool calls in one answer.
    static ScriptStep tool_calls(std::vector<ToolCall> calls, Usage usage = default_usage());
    /// Throw `error` instead of answering.
    template <class E>
    static ScriptStep error(E error) {
        return ScriptStep{{}, std::make_exception_ptr(std::move(error))};
    }
    /// 10 input tokens, 5 output tokens, $0.001, one call.
    static Usage default_usage() noexcept { return Usage{10, 5, 0.001, 1}; }

    const std::string& name() const noexcept override { return options_.name; }
    boost::asio::awaitable<ModelResponse> request(ModelRequest request) override;
    boost::asio::awaitable<std::optional<ModelPrice>> price() override;

    /// Every request so far, in arrival order (when `record` is on).
    std::vector<RecordedRequest> requests() const;
    /// Number of requests answered so far.
    std::size_t calls() const;

private:
    const ScriptStep& next_step(std::string_view run_id);

    std::vector<ScriptStep> script_;
    ScriptedModelOptions options_;
    mutable std::mutex mutex_;
    std::size_t next_ = 0;
    std::size_t calls_ = 0;
    std::unordered_map<std::string, std::size_t> per_run_;
    std::vector<RecordedRequest> requests_;
};

}  // namespace agentroute::testkit
