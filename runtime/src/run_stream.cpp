// A streamed run: the run on a strand, a bounded queue of owned events, and a consumer pulling
// them from its own executor. The queue is the only state both sides touch, under one mutex;
// each side's waiting handler is completed by posting it to its own executor.

#include <agentroute/detail/run_stream_core.hpp>

#include <agentroute/detail/run_observer.hpp>
#include <agentroute/errors.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <deque>
#include <mutex>

namespace agentroute::detail {

namespace asio = boost::asio;

namespace {

// A suspended coroutine's completion handler, type-erased (move-only).
struct HandlerBase {
    virtual ~HandlerBase() = default;
    virtual void complete(boost::system::error_code ec) = 0;
};
template <class H>
struct HandlerOf final : HandlerBase {
    explicit HandlerOf(H h) : handler(std::move(h)) {}
    void complete(boost::system::error_code ec) override { std::move(handler)(ec); }
    H handler;
};
using Handler = std::unique_ptr<HandlerBase>;

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
        asio::post(executor_, [handler = std::move(handler_), slot = slot_, ec]() mutable {
            if (slot.is_connected()) slot.clear();
            handler->complete(ec);
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

StreamItem owned(const RunEvent& event) {
    StreamItem item;
    item.kind = event.kind;
    item.text = std::string(event.text);
    if (event.call) item.call = *event.call;
    if (event.message) item.message = *event.message;
    item.usage = event.usage;
    if (event.model_call) item.model_call = *event.model_call;
    item.index = event.index;
    return item;
}

StreamItem terminal(std::exception_ptr error, RunOutcome&& outcome) {
    StreamItem item;
    if (!error) {
        item.kind = RunEvent::Kind::completed;
        item.usage = outcome.usage;
        item.outcome = std::move(outcome);
        return item;
    }
    item.kind = RunEvent::Kind::failed;
    item.error = error;
    try {
        std::rethrow_exception(error);
    } catch (const ErrorCancelled& e) {
        item.kind = RunEvent::Kind::cancelled;
        item.text = e.what();
        item.usage = e.usage();
    } catch (const ErrorDeadline& e) {
        item.kind = RunEvent::Kind::cancelled;
        item.text = e.what();
        item.usage = e.usage();
    } catch (const ErrorAgent& e) {
        item.text = e.what();
        item.usage = e.usage();
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
        : core_(std::move(core)),
          prompt_(std::move(prompt)),
          options_(std::move(options)),
          buffer_(std::max<std::size_t>(1, stream_options.buffer)),
          executor_(std::move(stream_options.executor)) {}

    void on_event(const RunEvent& event) override {
        if (is_terminal(event.kind)) return;  // the terminal event comes with the outcome
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        if (queue_.size() >= buffer_ && coalesces(event.kind) && queue_.back().kind == event.kind &&
            queue_.back().index == event.index) {
            StreamItem& last = queue_.back();
            if (event.kind == RunEvent::Kind::partial_output) {
                last.text.assign(event.text);  // only the latest state matters
            } else {
                last.text.append(event.text);
            }
        } else {
            queue_.push_back(owned(event));
        }
        consumer_.wake({});
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
                [this](auto handler) { hold(producer_, std::move(handler), false); },
                asio::use_awaitable);
        }
    }

    // `self` is this channel, kept alive while the consumer waits (the stream may be dropped).
    asio::awaitable<std::optional<StreamItem>> next([[maybe_unused]] std::shared_ptr<StreamChannel> self) {
        auto executor = co_await asio::this_coro::executor;
        bool start_now = false;
        {
            std::lock_guard lock(mutex_);
            if (!started_ && !stopped_) {
                started_ = true;
                run_executor_ = asio::make_strand(executor_ ? *executor_ : executor);
                start_now = true;
            }
        }
        if (start_now) start();
        for (;;) {
            std::optional<StreamItem> item;
            {
                std::lock_guard lock(mutex_);
                if (!queue_.empty()) {
                    item = std::move(queue_.front());
                    queue_.pop_front();
                    if (is_terminal(item->kind)) delivered_terminal_ = true;
                    if (queue_.size() < buffer_) producer_.wake({});
                } else if (delivered_terminal_ || stopped_) {
                    co_return std::nullopt;
                }
            }
            if (item) co_return item;
            co_await asio::async_initiate<decltype(asio::use_awaitable), void(boost::system::error_code)>(
                // `this` only (see ready); `self` keeps this alive.
                [this](auto handler) { hold(consumer_, std::move(handler), true); },
                asio::use_awaitable);
        }
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
            producer_.wake({});
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
        asio::co_spawn(*run_executor_, core_->run(std::move(prompt_), std::move(options_), shared_from_this()),
                       asio::bind_cancellation_slot(
                           cancel_run_.slot(), [self = shared_from_this()](std::exception_ptr error, RunOutcome outcome) {
                               self->finish(error, std::move(outcome));
                           }));
        core_.reset();
    }

    void finish(std::exception_ptr error, RunOutcome outcome) {
        StreamItem item = terminal(error, std::move(outcome));
        std::lock_guard lock(mutex_);
        finished_ = true;
        // The strand goes with the run: a stream may outlive the execution context it ran on.
        // (The run's cancellation handler in our signal holds a copy of it too.)
        run_executor_.reset();
        cancel_run_.slot().clear();
        if (stopped_) return;
        queue_.push_back(std::move(item));
        consumer_.wake({});
    }

    // Parks a side's handler, unless what it waits for is already there. The consumer's
    // cancellation stops the run (the consumer has gone); the run's own cancellation (its
    // deadline, or stop()) just ends its wait.
    template <class H>
    void hold(Waiter& waiter, H handler, bool consumer) {
        auto slot = asio::get_associated_cancellation_slot(handler);
        asio::any_io_executor executor = asio::get_associated_executor(handler);
        std::lock_guard lock(mutex_);
        const bool ready = consumer ? (!queue_.empty() || stopped_) : (stopped_ || queue_.size() < buffer_);
        waiter.hold(std::make_unique<HandlerOf<H>>(std::move(handler)), std::move(executor), slot);
        if (ready) {
            waiter.wake({});
            return;
        }
        if (slot.is_connected()) {
            slot.assign([weak = weak_from_this(), consumer](asio::cancellation_type) {
                auto self = weak.lock();
                if (!self) return;
                if (consumer) {
                    self->stop();
                } else {
                    std::lock_guard lock(self->mutex_);
                    self->producer_.wake(asio::error::operation_aborted);
                }
            });
        }
    }

    std::mutex mutex_;
    std::deque<StreamItem> queue_;
    Waiter consumer_, producer_;
    bool started_ = false, finished_ = false, stopped_ = false, delivered_terminal_ = false;
    // Until the run starts.
    std::shared_ptr<AgentCore> core_;
    std::string prompt_;
    RunOptions options_;
    const std::size_t buffer_;
    std::optional<asio::any_io_executor> executor_;
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

asio::awaitable<std::optional<StreamItem>> RunStreamCore::next() {
    // Not a coroutine: one frame per event fewer.
    if (!channel_) throw std::logic_error("agentroute: next() on a moved-from RunStream");
    return channel_->next(channel_);
}

void RunStreamCore::cancel() {
    if (channel_) channel_->cancel();
}

}  // namespace agentroute::detail
