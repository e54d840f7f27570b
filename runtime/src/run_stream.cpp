// A streamed run: the run on a strand, a bounded queue of owned events, and a consumer pulling
// them from its own executor. The queue is the only state both sides touch, under one mutex;
// each side's waiting handler is completed by posting it to its own executor.

#include <agentroute/detail/run_stream_core.hpp>

#include "event_queue.hpp"

#include <agentroute/detail/run_observer.hpp>
#include <agentroute/detail/serial_executor.hpp>
#include <agentroute/errors.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/defer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/recycling_allocator.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <vector>

namespace agentroute::detail {

namespace asio = boost::asio;

namespace {

// A suspended coroutine's completion handler, type-erased (move-only). Its memory comes from
// Asio's per-thread recycling cache, as Asio's own handlers' does: a consumer waits several
// times per run, and a heap allocation each time shows at tens of thousands of streams.
struct HandlerBase {
    /// Frees this, then invokes the handler (Asio's order: no memory held during the upcall).
    virtual void complete(boost::system::error_code ec) = 0;
    /// Frees this without invoking it.
    virtual void destroy() noexcept = 0;

protected:
    ~HandlerBase() = default;
};
template <class H>
struct HandlerOf final : HandlerBase {
    using Allocator = asio::recycling_allocator<HandlerOf>;
    explicit HandlerOf(H h) : handler(std::move(h)) {}
    static HandlerBase* make(H h) {
        Allocator allocator;
        HandlerOf* memory = allocator.allocate(1);
        try {
            return new (memory) HandlerOf(std::move(h));
        } catch (...) {
            allocator.deallocate(memory, 1);
            throw;
        }
    }
    void complete(boost::system::error_code ec) override {
        H h = std::move(handler);
        destroy();
        std::move(h)(ec);
    }
    void destroy() noexcept override {
        Allocator allocator;
        this->~HandlerOf();
        allocator.deallocate(this, 1);
    }
    H handler;
};
struct HandlerDestroy {
    void operator()(HandlerBase* h) const noexcept { h->destroy(); }
};
using Handler = std::unique_ptr<HandlerBase, HandlerDestroy>;

// One side's suspended wait: the handler and the cancellation slot it came with.
class Waiter {
public:
    bool waiting() const noexcept { return static_cast<bool>(handler_); }

    void hold(Handler handler, asio::any_io_executor executor, asio::cancellation_slot slot) {
        handler_ = std::move(handler);
        executor_ = std::move(executor);
        slot_ = slot;
    }

    // Completes the wait on the waiter's own executor; the slot is cleared there, before the
    // handler runs, so a later cancellation of that coroutine never reaches this wait.
    void wake(boost::system::error_code ec) {
        if (!handler_) return;
        // defer: a continuation of what woke it, queued on the thread that runs it without the
        // scheduler's lock when that is this thread (post otherwise).
        asio::defer(executor_, [handler = std::move(handler_), slot = slot_, ec]() mutable {
            if (slot.is_connected()) slot.clear();
            handler.release()->complete(ec);
        });
        slot_ = {};
        executor_ = {};
    }

private:
    Handler handler_;
    asio::any_io_executor executor_;
    asio::cancellation_slot slot_;
};

bool coalesces(RunEvent::Kind kind) noexcept {
    return kind == RunEvent::Kind::text_delta || kind == RunEvent::Kind::reasoning_delta ||
           kind == RunEvent::Kind::tool_call_delta || kind == RunEvent::Kind::partial_output;
}

StreamItem owned(const RunEvent& event, AgentPathRef agent) {
    StreamItem item{event.kind, event.index, std::string(event.text), nullptr, std::move(agent)};
    if (coalesces(event.kind)) return item;
    item.details = std::make_unique<StreamDetails>();
    StreamDetails& d = *item.details;
    d.usage = event.usage;
    d.progress = event.progress;
    d.progress_total = event.progress_total;
    if (event.call) {
        d.payload = *event.call;
    } else if (event.message) {
        d.payload = *event.message;
    } else if (event.model_call) {
        d.payload = *event.model_call;
    }
    return item;
}

StreamItem terminal(std::exception_ptr error, RunOutcome&& outcome) {
    StreamItem item{RunEvent::Kind::completed, 0, {}, std::make_unique<StreamDetails>()};
    StreamDetails& d = *item.details;
    if (!error) {
        d.usage = outcome.usage;
        d.payload = std::move(outcome);
        return item;
    }
    item.kind = RunEvent::Kind::failed;
    d.error = error;
    try {
        std::rethrow_exception(error);
    } catch (const ErrorCancelled& e) {
        item.kind = RunEvent::Kind::cancelled;
        item.text = e.what();
        d.usage = e.usage();
    } catch (const ErrorDeadline& e) {
        item.kind = RunEvent::Kind::cancelled;
        item.text = e.what();
        d.usage = e.usage();
    } catch (const ErrorAgent& e) {
        item.text = e.what();
        d.usage = e.usage();
    } catch (const std::exception& e) {
        item.text = e.what();
    } catch (...) {
        item.text = "unknown error";
    }
    return item;
}

}  // namespace

class StreamChannel final : public RunObserver, public std::enable_shared_from_this<StreamChannel> {
public:
    StreamChannel(std::shared_ptr<AgentCore> core, std::string prompt, RunOptions options,
                  StreamOptions stream_options)
        : pending_(std::make_unique<Pending>(
              Pending{std::move(core), std::move(prompt), std::move(options), std::move(stream_options.executor)})),
          buffer_(std::max<std::size_t>(1, stream_options.buffer)),
          wanted_(stream_options.events) {}

    void on_event(const RunEvent& event) override {
        if (!is_terminal(event.kind) && !wanted_.contains(event.kind)) return;
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        // A reference into the stream's paths: a fragment that joins the one before it costs a
        // lookup, not a reference count; only a new item takes its own share.
        const AgentPathRef& agent = intern(event.agent);
        if (is_terminal(event.kind)) {
            terminal_agent_ = agent;  // the terminal event itself comes with the outcome
            return;
        }
        // A fragment joins the one before it that the consumer has not taken yet: the consumer
        // reads what has arrived, as from a socket, in fewer events. A partial output replaces
        // the one before it only while the buffer is full: each state is worth showing.
        // Fragments of agents running side by side stay apart.
        const bool joins = coalesces(event.kind) && !queue_.empty() && queue_.back().kind == event.kind &&
                           queue_.back().index == event.index && queue_.back().agent == agent &&
                           (event.kind != RunEvent::Kind::partial_output || queue_.size() >= buffer_);
        if (joins) {
            StreamItem& last = queue_.back();
            if (event.kind == RunEvent::Kind::partial_output) {
                last.text.assign(event.text);  // only the latest state matters
            } else {
                // Room for more fragments at once: they tend to come in runs.
                if (last.text.capacity() < last.text.size() + event.text.size()) {
                    last.text.reserve(std::max<std::size_t>(256, 2 * (last.text.size() + event.text.size())));
                }
                last.text.append(event.text);
            }
        } else {
            queue_.push(owned(event, agent));
        }
        consumer_.wake({});
    }

    bool behind() override {
        std::lock_guard lock(mutex_);
        return !stopped_ && queue_.size() >= buffer_;
    }

    asio::awaitable<void> ready() override {
        for (;;) {
            {
                std::lock_guard lock(mutex_);
                if (stopped_ || queue_.size() < buffer_) co_return;
            }
            co_await asio::async_initiate<decltype(asio::use_awaitable), void(boost::system::error_code)>(
                // Captures `this` only: GCC 12 destroys a lambda's captures twice when the lambda
                // is a temporary of a co_await expression. The run's RunState keeps this alive.
                [this](auto handler) { hold_producer(std::move(handler)); },
                asio::use_awaitable);
        }
    }

    StreamPoll poll(const asio::any_io_executor& executor) {
        StreamPoll polled;
        bool start_now = false;
        {
            std::lock_guard lock(mutex_);
            if (!started_ && !stopped_) {
                started_ = true;
                run_executor_ = one_at_a_time(pending_->executor ? *pending_->executor : executor);
                start_now = true;
            } else if (!queue_.empty()) {
                polled.item = queue_.pop();
                if (is_terminal(polled.item->kind)) delivered_terminal_ = true;
                if (queue_.size() < buffer_) wake_producers();
            } else {
                polled.ended = delivered_terminal_ || stopped_;
            }
        }
        if (start_now) start();  // its first events may be there at once: polled again
        return start_now ? poll(executor) : std::move(polled);
    }

    asio::awaitable<void> wait() {
        return asio::async_initiate<decltype(asio::use_awaitable), void(boost::system::error_code)>(
            // Captures `this` only (see ready); the caller keeps this alive.
            [this](auto handler) { hold_consumer(std::move(handler)); }, asio::use_awaitable);
    }

    // The consumer is gone: nothing more is queued, and a run still going is cancelled.
    void stop() {
        std::optional<asio::any_io_executor> running;
        {
            std::lock_guard lock(mutex_);
            if (stopped_) return;
            stopped_ = true;
            running = run_executor_;
            queue_.clear();
            consumer_.wake(asio::error::operation_aborted);
            wake_producers();
        }
        if (running) {
            asio::post(*running, [self = shared_from_this()] {
                self->cancel_run_.emit(asio::cancellation_type::terminal);
            });
        }
    }

    // The run is cancelled and goes on to its terminal event (cancelled, with its usage).
    void cancel() {
        std::optional<asio::any_io_executor> running;
        {
            std::lock_guard lock(mutex_);
            running = run_executor_;
        }
        if (!running) {
            stop();  // not started (it never will be), or already over
            return;
        }
        asio::post(*running, [self = shared_from_this()] {
            self->cancel_run_.emit(asio::cancellation_type::terminal);
        });
    }

private:
    // Not under the mutex: the run may begin inline, and its first events take the mutex.
    void start() {
        std::unique_ptr<Pending> pending = std::move(pending_);  // what is left is what runs
        asio::co_spawn(*run_executor_,
                       pending->core->run(std::move(pending->prompt), std::move(pending->options), shared_from_this()),
                       asio::bind_cancellation_slot(
                           cancel_run_.slot(), [self = shared_from_this()](std::exception_ptr error, RunOutcome outcome) {
                               self->finish(error, std::move(outcome));
                           }));
    }

    void finish(std::exception_ptr error, RunOutcome outcome) {
        StreamItem item = terminal(error, std::move(outcome));
        std::lock_guard lock(mutex_);
        item.agent = std::move(terminal_agent_);
        finished_ = true;
        // The strand goes with the run: a stream may outlive the execution context it ran on.
        // (The run's cancellation handler in our signal holds a copy of it too.)
        run_executor_.reset();
        cancel_run_.slot().clear();
        if (stopped_) return;
        queue_.push(std::move(item));
        consumer_.wake({});
    }

    // Parks the consumer's handler, unless there is something for it already. Its cancellation
    // stops the run (the consumer has gone).
    template <class H>
    void hold_consumer(H handler) {
        auto slot = asio::get_associated_cancellation_slot(handler);
        asio::any_io_executor executor = asio::get_associated_executor(handler);
        std::lock_guard lock(mutex_);
        consumer_.hold(Handler(HandlerOf<H>::make(std::move(handler))), std::move(executor), slot);
        if (!queue_.empty() || stopped_) {
            consumer_.wake({});
            return;
        }
        if (slot.is_connected()) {
            slot.assign([weak = weak_from_this()](asio::cancellation_type) {
                if (auto self = weak.lock()) self->stop();
            });
        }
    }

    // Parks a producer's handler until the buffer has room: the run's, or one of its child
    // agents' (several at once when they run side by side). A producer's own cancellation (a
    // deadline, stop()) ends its wait only.
    template <class H>
    void hold_producer(H handler) {
        auto slot = asio::get_associated_cancellation_slot(handler);
        asio::any_io_executor executor = asio::get_associated_executor(handler);
        std::lock_guard lock(mutex_);
        const std::uint64_t id = ++last_producer_;
        Producer& producer = producers_.emplace_back();
        producer.id = id;
        producer.waiter.hold(Handler(HandlerOf<H>::make(std::move(handler))), std::move(executor), slot);
        if (stopped_ || queue_.size() < buffer_) {
            wake_producers();
            return;
        }
        if (slot.is_connected()) {
            slot.assign([weak = weak_from_this(), id](asio::cancellation_type) {
                auto self = weak.lock();
                if (!self) return;
                std::lock_guard lock(self->mutex_);
                auto& all = self->producers_;
                auto it = std::find_if(all.begin(), all.end(), [id](const Producer& p) { return p.id == id; });
                if (it == all.end()) return;
                it->waiter.wake(asio::error::operation_aborted);
                all.erase(it);
            });
        }
    }

    // Under the mutex.
    void wake_producers() {
        for (Producer& producer : producers_) producer.waiter.wake({});
        producers_.clear();
    }

    // One shared path per agent the stream has heard from (a few), so that an event holds a
    // pointer, not a string; the last one found is looked at first. Under the mutex; the
    // reference is good until the next call.
    const AgentPathRef& intern(std::string_view path) {
        if (last_path_ < paths_.size() && paths_[last_path_]->text == path) return paths_[last_path_];
        for (std::size_t i = 0; i < paths_.size(); ++i) {
            if (paths_[i]->text == path) return paths_[last_path_ = i];
        }
        if (paths_.size() < max_paths) {
            last_path_ = paths_.size();
            paths_.emplace_back(new AgentPath(path));
        } else {
            last_path_ = next_path_++ % max_paths;
            paths_[last_path_].reset(new AgentPath(path));
        }
        return paths_[last_path_];
    }

    std::mutex mutex_;
    EventQueue queue_;
    Waiter consumer_;
    struct Producer {
        std::uint64_t id = 0;
        Waiter waiter;
    };
    std::vector<Producer> producers_;
    std::uint64_t last_producer_ = 0;
    static constexpr std::size_t max_paths = 16;
    std::vector<AgentPathRef> paths_;
    std::size_t last_path_ = 0;
    std::size_t next_path_ = 0;
    AgentPathRef terminal_agent_;
    bool started_ = false, finished_ = false, stopped_ = false, delivered_terminal_ = false;
    // What the run starts with; released when it starts.
    struct Pending {
        std::shared_ptr<AgentCore> core;
        std::string prompt;
        RunOptions options;
        std::optional<asio::any_io_executor> executor;  // StreamOptions::executor
    };
    std::unique_ptr<Pending> pending_;
    const std::size_t buffer_;
    const EventKinds wanted_;
    // The run's strand while it runs, and what cancels it; emitted only on that strand.
    std::optional<asio::any_io_executor> run_executor_;
    asio::cancellation_signal cancel_run_;
};

RunStreamCore::RunStreamCore(std::shared_ptr<AgentCore> core, std::string prompt, RunOptions options,
                             StreamOptions stream_options)
    : channel_(std::make_shared<StreamChannel>(std::move(core), std::move(prompt), std::move(options),
                                               std::move(stream_options))) {}

RunStreamCore::RunStreamCore(RunStreamCore&&) noexcept = default;

RunStreamCore& RunStreamCore::operator=(RunStreamCore&& other) noexcept {
    if (this != &other) {
        if (channel_) channel_->stop();
        channel_ = std::move(other.channel_);
    }
    return *this;
}

RunStreamCore::~RunStreamCore() {
    if (channel_) channel_->stop();
}

std::shared_ptr<StreamChannel> RunStreamCore::channel() const {
    if (!channel_) throw std::logic_error("agentroute: next() on a moved-from RunStream");
    return channel_;
}

StreamPoll poll(StreamChannel& channel, const asio::any_io_executor& executor) { return channel.poll(executor); }

asio::awaitable<void> wait(StreamChannel& channel) { return channel.wait(); }

void RunStreamCore::cancel() {
    if (channel_) channel_->cancel();
}

}  // namespace agentroute::detail
