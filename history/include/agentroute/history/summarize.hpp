#pragma once

#include <agentroute/history/policy.hpp>
#include <agentroute/model.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace agentroute {

/// Replaces older turns with a summary written by `model`, keeping the last `keep_recent`
/// messages (default 4) verbatim.
///
/// Whole turns only: the summarized part ends at a turn boundary and never holds the latest
/// user message. A new summary is made only once more than `2 * keep_recent` messages stand
/// after the last one, and then folds the previous summary and the older messages into one, so
/// a conversation of N messages is summarized about N / keep_recent times, not once a turn.
/// Summaries are cached by the exact prefix they cover (bounded, shared by all runs). The
/// summary call's usage is reported through `spent` and counts toward the run's `max_cost`.
///
/// Throws `std::runtime_error` when `model` is null: resolve one with `resolve_model`.
class HistorySummarize : public HistoryPolicy {
public:
    explicit HistorySummarize(std::shared_ptr<Model> model, std::size_t keep_recent = 4);

    std::size_t keep_recent() const noexcept { return keep_recent_; }
    /// Summary calls made so far (for tests and monitoring).
    std::size_t summaries_made() const;

    boost::asio::awaitable<std::vector<Message>> apply(std::span<const Message> messages,
                                                       Usage& spent) override;

private:
    struct Cached {
        std::string summary{};
    };
    const Cached* find(std::uint64_t prefix_hash) const;
    void store(std::uint64_t prefix_hash, std::string summary);

    std::shared_ptr<Model> model_;
    std::size_t keep_recent_;
    mutable std::mutex mutex_;
    std::unordered_map<std::uint64_t, Cached> cache_;
    std::deque<std::uint64_t> order_;
    std::size_t summaries_made_ = 0;
};

}  // namespace agentroute
