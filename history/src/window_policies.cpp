#include <agentroute/history/sliding_window.hpp>
#include <agentroute/history/tool_pairs.hpp>
#include <agentroute/history/truncate.hpp>

#include "units.hpp"

#include <stdexcept>

namespace agentroute {
namespace {

// Policies trim a conversation whose calls and results are paired, so no unit is half a turn.
std::vector<Message> paired(std::span<const Message> messages) {
    if (tool_pairs_intact(messages)) return {messages.begin(), messages.end()};
    return repair_tool_pairs(messages);
}

}  // namespace

HistorySlidingWindow::HistorySlidingWindow(std::size_t window_size) : window_size_(window_size) {
    if (window_size_ == 0) throw std::invalid_argument("HistorySlidingWindow: window_size must be > 0");
}

boost::asio::awaitable<std::vector<Message>> HistorySlidingWindow::apply(
    std::span<const Message> messages, Usage&) {
    std::vector<Message> all = paired(messages);
    const detail::Units split = detail::split_units(all);
    const auto kept = detail::select_recent(split, window_size_,
                                            [](const detail::Unit& u) { return u.size(); });
    co_return detail::assemble(all, split, kept);
}

HistoryTruncate::HistoryTruncate(std::size_t max_tokens) : max_tokens_(max_tokens) {
    if (max_tokens_ == 0) throw std::invalid_argument("HistoryTruncate: max_tokens must be > 0");
}

boost::asio::awaitable<std::vector<Message>> HistoryTruncate::apply(std::span<const Message> messages,
                                                                    Usage&) {
    std::vector<Message> all = paired(messages);
    const detail::Units split = detail::split_units(all);
    std::size_t pinned_tokens = 0;
    for (std::size_t i : split.pinned) pinned_tokens += detail::estimate_tokens(all[i]);
    const std::size_t budget = max_tokens_ > pinned_tokens ? max_tokens_ - pinned_tokens : 0;
    const auto kept = detail::select_recent(split, budget, [&](const detail::Unit& u) {
        std::size_t tokens = 0;
        for (std::size_t i = u.begin; i < u.end; ++i) tokens += detail::estimate_tokens(all[i]);
        return tokens;
    });
    co_return detail::assemble(all, split, kept);
}

}  // namespace agentroute
