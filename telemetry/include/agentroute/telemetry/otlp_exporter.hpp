#pragma once

#include <agentroute/telemetry/span_sink.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace agentroute::telemetry {

struct OtlpOptions {
    /// The collector's traces URL: OTLP/HTTP, JSON encoding. http:// or https:// (verified TLS).
    std::string endpoint = "http://127.0.0.1:4318/v1/traces";
    /// Extra request headers (a backend's API key, say).
    std::vector<std::pair<std::string, std::string>> headers{};
    /// The resource's `service.name`.
    std::string service_name = "agentroute";
    /// Spans waiting to go out at most; one more is dropped (and counted), never waited for.
    std::size_t max_queue = 4096;
    /// Spans per request at most.
    std::size_t max_batch = 512;
    /// How long a span may wait for its batch to fill before it goes anyway.
    std::chrono::milliseconds batch_delay{1000};
    /// Per request: connect, send and answer.
    std::chrono::milliseconds timeout{10'000};
    /// Tries per batch on 429, 502, 503, 504 or no answer, with doubling back-off (a
    /// `Retry-After` the collector sends is waited instead, up to `max_backoff`); then the batch is
    /// dropped and counted.
    int max_attempts = 5;
    std::chrono::milliseconds initial_backoff{250};
    std::chrono::milliseconds max_backoff{10'000};
    /// An extra CA file for an https collector.
    std::string ca_file{};
};

/// What the exporter has done so far.
struct OtlpStats {
    std::uint64_t exported = 0;           ///< spans the collector accepted
    std::uint64_t dropped_queue_full = 0; ///< spans that found the queue full
    std::uint64_t dropped_refused = 0;    ///< spans of batches given up on, or rejected in a partial success
    std::uint64_t requests = 0;           ///< POSTs sent (retries included)
    std::uint64_t retries = 0;
    /// Why the last request that failed did ("POST http://...: 400 {...}", "connection
    /// refused"); empty while none has.
    std::string last_error{};
};

/// Sends finished spans to an OpenTelemetry collector over OTLP/HTTP with JSON encoding, in
/// batches, from a sender coroutine on `executor`. A run never waits for it: `on_end` only
/// queues, and a full queue drops. The sender runs while spans are queued and ends when the queue
/// is empty, so it keeps no io_context running on its own.
///
///     auto exporter = telemetry::OtlpExporter::create(ioc.get_executor(), {.endpoint = url});
///     ... runs ...
///     co_await exporter->shutdown();  // what is queued goes out first
///
/// Thread safety: `on_end` from any thread; `flush` and `shutdown` from a coroutine.
class OtlpExporter : public SpanSink {
public:
    /// Throws `ErrorConfig` for an endpoint that is not an http(s) URL.
    static std::shared_ptr<OtlpExporter> create(boost::asio::any_io_executor executor, OtlpOptions options);
    ~OtlpExporter() override;

    void on_end(const Span& span) noexcept override;
    std::uint64_t dropped() const noexcept override;
    OtlpStats stats() const;

    /// Returns once every span queued before the call has been sent or given up on.
    boost::asio::awaitable<void> flush();
    /// Takes no more spans and sends what waits, for up to `within`: then what is still waiting
    /// or retrying is given up on (counted as dropped), and the sender ends after at most the
    /// request in flight (`OtlpOptions::timeout`). A collector that is down never holds a
    /// program's exit for longer.
    boost::asio::awaitable<void> shutdown(std::chrono::milliseconds within = std::chrono::seconds(5));

    struct State;

private:
    explicit OtlpExporter(std::shared_ptr<State> state) : state_(std::move(state)) {}
    std::shared_ptr<State> state_;
};

}  // namespace agentroute::telemetry
