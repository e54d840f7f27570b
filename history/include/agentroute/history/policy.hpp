#pragma once

#include <agentroute/messages.hpp>
#include <agentroute/usage.hpp>

#include <boost/asio/awaitable.hpp>

#include <span>
#include <vector>

namespace agentroute {

/// Decides what part of a conversation goes to the model, before every model call.
///
/// Every policy keeps the system message, the latest user message and the order of messages,
/// and never separates an assistant message's tool calls from their results: the unit of
/// trimming is a whole turn (see `history/turns.hpp`).
///
/// Thread safety: one policy object may serve many concurrent runs.
class HistoryPolicy {
public:
    virtual ~HistoryPolicy() = default;

    /// Returns the messages to send. `spent` receives the usage of any model call the policy
    /// makes (summaries), which the run adds to its own usage and cost ceiling.
    virtual boost::asio::awaitable<std::vector<Message>> apply(std::span<const Message> messages,
                                                               Usage& spent) = 0;
};

}  // namespace agentroute
