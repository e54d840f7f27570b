#pragma once

#include <agentroute/history/policy.hpp>

#include <cstddef>

namespace agentroute {

/// Keeps the most recent `window_size` messages (default 20). Cheap and predictable.
///
/// System messages are always kept and not counted. The window holds whole turns only: an
/// assistant message with tool calls and all its results count together and are kept or
/// dropped together, so the window may hold fewer than `window_size` messages (never more,
/// unless the latest user message's turn alone is larger). The latest user message is always
/// kept, and the older part of the window starts at a user message.
class HistorySlidingWindow : public HistoryPolicy {
public:
    explicit HistorySlidingWindow(std::size_t window_size = 20);

    std::size_t window_size() const noexcept { return window_size_; }

    boost::asio::awaitable<std::vector<Message>> apply(std::span<const Message> messages,
                                                       Usage& spent) override;

private:
    std::size_t window_size_;
};

}  // namespace agentroute
