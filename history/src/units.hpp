#pragma once

#include <agentroute/messages.hpp>

#include <cstddef>
#include <span>
#include <vector>

namespace agentroute::detail {

/// The atom of trimming: one message, or an assistant message with tool calls together with the
/// tool results right after it. Half-open index range into the conversation.
struct Unit {
    std::size_t begin;
    std::size_t end;
    bool starts_with_user;
    std::size_t size() const noexcept { return end - begin; }
};

/// A conversation split for trimming: system and developer messages are pinned (always kept), everything else
/// is a sequence of units; `latest_user` is the unit holding the last user message (or npos).
struct Units {
    std::vector<std::size_t> pinned;
    std::vector<Unit> units;
    std::size_t latest_user = static_cast<std::size_t>(-1);
};

Units split_units(std::span<const Message> messages);

/// Estimated tokens of one message (~4 characters a token, plus a little per message).
std::size_t estimate_tokens(const Message& message) noexcept;

/// Which units to keep under `budget`, given the cost of each unit: the unit with the latest
/// user message always, then the most recent units, contiguous from the newest back, and the
/// kept window starts at a user message. Returns kept unit indices in order.
template <class Cost>
std::vector<std::size_t> select_recent(const Units& split, std::size_t budget, Cost cost);

/// Copies the pinned messages and the given units, in conversation order.
std::vector<Message> assemble(std::span<const Message> messages, const Units& split,
                              std::span<const std::size_t> kept_units);

template <class Cost>
std::vector<std::size_t> select_recent(const Units& split, std::size_t budget, Cost cost) {
    const auto& units = split.units;
    const std::size_t n = units.size();
    if (n == 0) return {};
    const std::size_t anchor = split.latest_user < n ? split.latest_user : n - 1;
    std::size_t used = cost(units[anchor]);
    std::vector<bool> keep(n, false);
    keep[anchor] = true;
    // Newest first, stopping at the first unit that does not fit, so the window is contiguous.
    std::size_t first = anchor;
    for (std::size_t i = n; i-- > 0;) {
        if (i == anchor) continue;
        const std::size_t c = cost(units[i]);
        if (used + c > budget) break;
        used += c;
        keep[i] = true;
        if (i < first) first = i;
    }
    // Start the older part of the window at a user message.
    while (first < anchor && !(keep[first] && units[first].starts_with_user)) keep[first++] = false;
    std::vector<std::size_t> kept;
    for (std::size_t i = 0; i < n; ++i) {
        if (keep[i]) kept.push_back(i);
    }
    return kept;
}

}  // namespace agentroute::detail
