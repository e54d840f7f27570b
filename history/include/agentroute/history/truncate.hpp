#pragma once

#include <agentroute/history/policy.hpp>

#include <cstddef>

namespace agentroute {

/// Drops the oldest messages to stay under `max_tokens` (default 100,000), estimated at about
/// four characters a token.
///
/// System messages are always kept and counted first. Whole turns only, as in
/// `HistorySlidingWindow`; the latest user message's turn is kept even when it alone is larger.
class HistoryTruncate : public HistoryPolicy {
public:
    explicit HistoryTruncate(std::size_t max_tokens = 100'000);

    std::size_t max_tokens() const noexcept { return max_tokens_; }

    boost::asio::awaitable<std::vector<Message>> apply(std::span<const Message> messages,
                                                       Usage& spent) override;

private:
    std::size_t max_tokens_;
};

}  // namespace agentroute
