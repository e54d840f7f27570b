#pragma once

// The queue between a streamed run and its consumer: first in, first out, with the last item
// reachable for coalescing. A vector and a read position rather than a deque: the queue is
// usually one or two events deep, and a deque's first block (512 bytes) would be most of what
// a stream in flight holds.

#include <agentroute/detail/run_stream_core.hpp>

#include <cstddef>
#include <vector>

namespace agentroute::detail {

class EventQueue {
public:
    bool empty() const noexcept { return head_ == items_.size(); }
    std::size_t size() const noexcept { return items_.size() - head_; }
    StreamItem& back() noexcept { return items_.back(); }

    void push(StreamItem item) { items_.push_back(std::move(item)); }

    /// The first item; the queue must not be empty.
    StreamItem pop() {
        StreamItem item = std::move(items_[head_++]);
        if (head_ == items_.size()) {
            clear();  // keeps the capacity
        } else if (head_ >= compact_after && 2 * head_ >= items_.size()) {
            // A queue that never runs dry: drop what was read, at most as often as it doubles.
            items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
            head_ = 0;
        }
        return item;
    }

    void clear() noexcept {
        items_.clear();
        head_ = 0;
    }

private:
    static constexpr std::size_t compact_after = 32;
    std::vector<StreamItem> items_;
    std::size_t head_ = 0;
};

}  // namespace agentroute::detail
