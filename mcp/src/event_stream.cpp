#include "event_stream.hpp"

namespace agentroute::mcp::detail {

namespace asio = boost::asio;

void EventStream::send(std::string message) {
    std::shared_ptr<Wakeup> wake;
    {
        const std::lock_guard lock(mutex_);
        if (finished_) return;
        const std::uint64_t number = next_number_++;
        kept_bytes_ += message.size();
        events_.push_back(Event{number, std::move(message)});
        // Bounded: a client that never comes back must not make the server grow.
        while (kept_bytes_ > max_kept_bytes_ && events_.size() > 1) {
            kept_bytes_ -= events_.front().message.size();
            events_.pop_front();
        }
        wake = wake_;
    }
    if (wake) wake->notify();
}

void EventStream::finish() {
    std::shared_ptr<Wakeup> wake;
    {
        const std::lock_guard lock(mutex_);
        finished_ = true;
        wake = wake_;
    }
    if (wake) wake->notify();
}

void EventStream::end_response(std::chrono::milliseconds) {
    std::shared_ptr<Wakeup> wake;
    {
        const std::lock_guard lock(mutex_);
        // Before the first consumer attached, too: its response then ends after the priming event.
        end_requested_ = !finished_;
        wake = wake_;
    }
    if (wake) wake->notify();
}

std::uint64_t EventStream::attach(const asio::any_io_executor& executor, std::optional<std::uint64_t> after) {
    std::shared_ptr<Wakeup> previous;
    std::uint64_t token = 0;
    {
        const std::lock_guard lock(mutex_);
        previous = std::move(wake_);
        if (last_token_ > 0) end_requested_ = false;  // a resumed response is not the one asked to end
        token = ++last_token_;
        consumer_ = token;
        if (after) delivered_ = *after;
        wake_ = std::make_shared<Wakeup>(executor);
    }
    if (previous) previous->notify();
    return token;
}

void EventStream::detach(std::uint64_t token) {
    std::shared_ptr<Wakeup> wake;
    {
        const std::lock_guard lock(mutex_);
        if (consumer_ != token) return;
        consumer_ = 0;
        wake = std::move(wake_);
    }
    if (wake) wake->notify();  // its next() returns `ended`
}

asio::awaitable<EventStream::Next> EventStream::next(std::uint64_t token) {
    std::shared_ptr<Wakeup> wake;
    for (;;) {
        {
            const std::lock_guard lock(mutex_);
            if (consumer_ != token) co_return Next{Next::Kind::ended};
            if (end_requested_) {
                end_requested_ = false;
                consumer_ = 0;
                wake_.reset();
                co_return Next{Next::Kind::ended};
            }
            for (const Event& e : events_) {
                if (e.number > delivered_) {
                    delivered_ = e.number;
                    co_return Next{Next::Kind::event, e.number, e.message};
                }
            }
            if (finished_) co_return Next{Next::Kind::finished};
            wake = wake_;
        }
        co_await wake->wait();
    }
}

asio::awaitable<bool> EventStream::answered_alone_within(const asio::any_io_executor& executor,
                                                         std::chrono::milliseconds limit) {
    auto wake = std::make_shared<Wakeup>(executor);
    {
        const std::lock_guard lock(mutex_);
        if (wake_) co_return false;
        wake_ = wake;  // send, finish and end_response notify it
    }
    const auto deadline = Wakeup::Clock::now() + limit;
    bool alone = false;
    for (;;) {
        {
            const std::lock_guard lock(mutex_);
            if (finished_) {
                alone = events_.size() <= 1;
                break;
            }
            if (events_.size() > 1 || end_requested_ || Wakeup::Clock::now() >= deadline) break;
        }
        co_await wake->wait(deadline);
    }
    const std::lock_guard lock(mutex_);
    if (wake_ == wake) wake_.reset();
    co_return alone;
}

std::string EventStream::priming_event(std::chrono::milliseconds retry) const {
    std::uint64_t last = 0;
    {
        const std::lock_guard lock(mutex_);
        last = delivered_;
    }
    return "id: " + std::to_string(id_) + "-" + std::to_string(last) + "\nretry: " + std::to_string(retry.count()) +
           "\ndata: \n\n";
}

std::string EventStream::sse_event(std::uint64_t number, std::string_view message) const {
    std::string out = "id: " + std::to_string(id_) + "-" + std::to_string(number) + "\nevent: message\ndata: ";
    out += message;
    out += "\n\n";
    return out;
}

bool EventStream::finished_and_delivered() const {
    const std::lock_guard lock(mutex_);
    return finished_ && (events_.empty() || delivered_ >= events_.back().number);
}

}  // namespace agentroute::mcp::detail
