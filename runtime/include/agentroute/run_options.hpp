#pragma once

#include <agentroute/messages.hpp>
#include <agentroute/usage.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentroute {

/// One thing that happened in a run, delivered to `RunOptions::on_event` in order, on the
/// run's executor. Views point into the run's state and are valid during the call only.
struct RunEvent {
    enum class Kind {
        text_delta,   ///< `text`: a streamed fragment of the model's answer
        tool_call,    ///< `call`: the model asked for a tool
        tool_result,  ///< `message`: a tool's result (or a correction) going back
        usage,        ///< `usage`: the run's usage after a model call
        completed,    ///< terminal: the run produced its output
        failed,       ///< terminal: the run ended in an error (`text` is what())
        cancelled,    ///< terminal: the run was cancelled or its deadline passed
    };
    Kind kind{};
    std::string_view text{};
    const ToolCall* call = nullptr;
    const Message* message = nullptr;
    Usage usage{};
};

/// Per-run options; every field is optional.
struct RunOptions {
    /// Earlier messages to continue from (e.g. a previous `Result::messages`). A leading system
    /// message is replaced by the agent's instructions.
    std::vector<Message> message_history{};
    /// With a memory on the agent: load this conversation before the run and append the run's
    /// new turns to it when the run ends.
    std::optional<std::string> conversation_id{};
    /// The run fails with `ErrorDeadline` once this much time has passed.
    std::optional<std::chrono::steady_clock::duration> deadline{};
    /// A run id; generated when empty.
    std::string run_id{};
    /// Observer of the run (streamed text, tool calls and results, usage, terminal event).
    std::function<void(const RunEvent&)> on_event{};
};

}  // namespace agentroute
