#include <agentroute/telemetry/otlp_exporter.hpp>

#include "otlp_http.hpp"
#include "otlp_json.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <charconv>
#include <deque>
#include <mutex>

namespace agentroute::telemetry {
namespace asio = boost::asio;

struct OtlpExporter::State : std::enable_shared_from_this<OtlpExporter::State> {
    State(asio::any_io_executor executor, OtlpOptions o)
        : options(std::move(o)),
          strand(asio::make_strand(std::move(executor))),
          poster(options.endpoint, options.headers, options.ca_file, options.timeout) {}

    const OtlpOptions options;
    asio::strand<asio::any_io_executor> strand;
    detail::OtlpHttpPoster poster;  // the sender's only

    // Spans waiting, as their OTLP JSON: batches of up to max_batch spans, each one text of span
    // objects joined by commas (the last batch filling). A span is an append to its batch, not
    // an allocation of its own.
    struct Batch {
        std::string spans;
        std::size_t count = 0;
    };
    std::mutex mutex;
    std::deque<Batch> batches;     // under mutex
    std::size_t waiting = 0;       // under mutex: spans in `batches`
    bool sender_running = false;  // under mutex
    bool closed = false;          // under mutex
    std::uint64_t queued_total = 0;   // under mutex: spans ever queued
    std::atomic<std::uint64_t> settled_total{0};  // of those, sent or given up on

    asio::steady_timer* batch_timer = nullptr;  // on the strand: the sender's wait for a fuller batch
    asio::steady_timer* retry_timer = nullptr;  // on the strand: its back-off before a retry
    std::atomic<bool> abandoned{false};         // shutdown's time is up: give up what is left
    std::string last_error;                      // under mutex

    void note_failure(const detail::PostResult& result) {
        std::string why = "POST " + options.endpoint + ": ";
        if (result.ec) {
            why += result.ec.message();
        } else {
            why += std::to_string(result.status);
            if (!result.body.empty()) {
                why += ' ';
                why.append(result.body, 0, 512);
            }
        }
        const std::lock_guard lock(mutex);
        last_error = std::move(why);
    }

    std::atomic<std::uint64_t> exported{0}, dropped_queue_full{0}, dropped_refused{0}, requests{0}, retries{0};

    // Whether a sender must be started (none runs); under `mutex`.
    bool claim_sender_locked() {
        if (sender_running) return false;
        sender_running = true;
        return true;
    }
    // Posted, never dispatched: a span ending on the strand's own thread must not run the
    // sender inside `on_end`.
    void start_sender() {
        asio::post(strand, [self = shared_from_this()] { asio::co_spawn(self->strand, send_all(self), asio::detached); });
    }
    // The sender stops waiting for a fuller batch: one just filled (posted once per batch, not
    // per span), or the exporter shuts down.
    void stop_waiting() {
        asio::post(strand, [self = shared_from_this()] {
            if (self->batch_timer) self->batch_timer->cancel();
        });
    }

    // Shutdown's time is up: the sender drops what waits and stops retrying.
    void abandon() {
        abandoned.store(true, std::memory_order_release);
        asio::post(strand, [self = shared_from_this()] {
            if (self->batch_timer) self->batch_timer->cancel();
            if (self->retry_timer) self->retry_timer->cancel();
        });
    }

    // Waits until `target` spans have been sent or given up on, or `deadline`; true for the first.
    asio::awaitable<bool> settled(std::uint64_t target, std::chrono::steady_clock::time_point deadline);

    static asio::awaitable<void> send_all(std::shared_ptr<State> self);
    asio::awaitable<void> send(Batch batch);
};

namespace {

std::chrono::milliseconds retry_after_of(const std::string& header, std::chrono::milliseconds fallback) {
    int seconds = 0;
    const auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), seconds);
    if (ec != std::errc() || end != header.data() + header.size() || seconds < 0) return fallback;  // an HTTP date: back off as usual
    return std::chrono::seconds(seconds);
}

bool retryable(int status) noexcept { return status == 429 || status == 502 || status == 503 || status == 504; }

}  // namespace

asio::awaitable<void> OtlpExporter::State::send_all(std::shared_ptr<State> self) {
    asio::steady_timer timer(self->strand);
    self->batch_timer = &timer;
    struct Forget {
        State& s;
        ~Forget() { s.batch_timer = nullptr; }
    } forget{*self};
    for (;;) {
        bool full = false;
        {
            const std::lock_guard lock(self->mutex);
            full = (!self->batches.empty() && self->batches.front().count >= self->options.max_batch) || self->closed;
        }
        // A batch that is not full waits for more, up to batch_delay.
        if (!full) {
            timer.expires_after(self->options.batch_delay);
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        Batch batch;
        {
            const std::lock_guard lock(self->mutex);
            if (self->batches.empty()) {
                self->sender_running = false;  // a span queued after this starts a new sender
                co_return;
            }
            batch = std::move(self->batches.front());
            self->batches.pop_front();
            self->waiting -= batch.count;
        }
        const std::size_t n = batch.count;
        if (self->abandoned.load(std::memory_order_acquire)) {
            self->dropped_refused.fetch_add(n, std::memory_order_relaxed);
        } else {
            co_await self->send(std::move(batch));
        }
        self->settled_total.fetch_add(n, std::memory_order_release);
    }
}

asio::awaitable<void> OtlpExporter::State::send(Batch batch) {
    const std::string body = detail::otlp_traces_json(batch.spans, options.service_name);
    std::chrono::milliseconds backoff = options.initial_backoff;
    asio::steady_timer timer(strand);
    retry_timer = &timer;
    struct Forget {
        State& s;
        ~Forget() { s.retry_timer = nullptr; }
    } forget{*this};
    for (int attempt = 1;; ++attempt) {
        requests.fetch_add(1, std::memory_order_relaxed);
        detail::PostResult result = co_await poster.post(body);
        if (!result.ec && result.status >= 200 && result.status < 300) {
            const std::uint64_t rejected = std::min<std::uint64_t>(detail::otlp_rejected_spans(result.body), batch.count);
            dropped_refused.fetch_add(rejected, std::memory_order_relaxed);
            exported.fetch_add(batch.count - rejected, std::memory_order_relaxed);
            co_return;
        }
        note_failure(result);
        const bool again = (result.ec || retryable(result.status)) && !abandoned.load(std::memory_order_acquire);
        if (!again || attempt >= options.max_attempts) {
            dropped_refused.fetch_add(batch.count, std::memory_order_relaxed);
            co_return;
        }
        retries.fetch_add(1, std::memory_order_relaxed);
        const std::chrono::milliseconds wait =
            std::min(result.retry_after.empty() ? backoff : retry_after_of(result.retry_after, backoff), options.max_backoff);
        timer.expires_after(wait);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (abandoned.load(std::memory_order_acquire)) {
            dropped_refused.fetch_add(batch.count, std::memory_order_relaxed);
            co_return;
        }
        backoff = std::min(backoff * 2, options.max_backoff);
    }
}

std::shared_ptr<OtlpExporter> OtlpExporter::create(asio::any_io_executor executor, OtlpOptions options) {
    if (options.max_batch == 0) options.max_batch = 1;
    if (options.max_attempts < 1) options.max_attempts = 1;
    auto state = std::make_shared<State>(std::move(executor), std::move(options));
    return std::shared_ptr<OtlpExporter>(new OtlpExporter(std::move(state)));
}

OtlpExporter::~OtlpExporter() = default;  // a sender still running keeps the state alive

void OtlpExporter::on_end(const Span& span) noexcept {
    State& s = *state_;
    try {
        // Written outside the lock, on the run's thread, into a buffer the thread keeps.
        thread_local std::string text;
        text.clear();
        detail::append_span_json(text, span);
        bool start = false, full = false;
        {
            const std::lock_guard lock(s.mutex);
            if (s.closed || s.waiting >= s.options.max_queue) {
                s.dropped_queue_full.fetch_add(1, std::memory_order_relaxed);
                return;
            }
            if (s.batches.empty() || s.batches.back().count >= s.options.max_batch) s.batches.emplace_back();
            State::Batch& batch = s.batches.back();
            if (batch.count) batch.spans += ',';
            batch.spans += text;
            ++batch.count;
            ++s.waiting;
            ++s.queued_total;
            start = s.claim_sender_locked();
            full = !start && batch.count == s.options.max_batch;
        }
        if (text.capacity() > 64 * 1024) std::string().swap(text);  // a captured long prompt: not kept
        if (start) s.start_sender();
        if (full) s.stop_waiting();
    } catch (...) {
        s.dropped_queue_full.fetch_add(1, std::memory_order_relaxed);
    }
}

std::uint64_t OtlpExporter::dropped() const noexcept {
    return state_->dropped_queue_full.load(std::memory_order_relaxed) + state_->dropped_refused.load(std::memory_order_relaxed);
}

OtlpStats OtlpExporter::stats() const {
    State& s = *state_;
    OtlpStats stats{s.exported.load(), s.dropped_queue_full.load(), s.dropped_refused.load(), s.requests.load(),
                    s.retries.load(), {}};
    const std::lock_guard lock(s.mutex);
    stats.last_error = s.last_error;
    return stats;
}

asio::awaitable<bool> OtlpExporter::State::settled(std::uint64_t target, std::chrono::steady_clock::time_point deadline) {
    // Polled: flush is a shutdown-time call, and a span's path stays free of any signalling.
    asio::steady_timer timer(co_await asio::this_coro::executor);
    while (settled_total.load(std::memory_order_acquire) < target) {
        if (std::chrono::steady_clock::now() >= deadline) co_return false;
        timer.expires_after(std::chrono::milliseconds(5));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    co_return true;
}

asio::awaitable<void> OtlpExporter::flush() {
    std::uint64_t target = 0;
    {
        const std::lock_guard lock(state_->mutex);
        target = state_->queued_total;
    }
    co_await state_->settled(target, std::chrono::steady_clock::time_point::max());
}

asio::awaitable<void> OtlpExporter::shutdown(std::chrono::milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    std::uint64_t target = 0;
    {
        const std::lock_guard lock(state_->mutex);
        state_->closed = true;  // the sender no longer waits for full batches
        target = state_->queued_total;
    }
    state_->stop_waiting();
    const bool sent = co_await state_->settled(target, deadline);  // not inside the if: GCC 12
    if (!sent) state_->abandon();
}

}  // namespace agentroute::telemetry
