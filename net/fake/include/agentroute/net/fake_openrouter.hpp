#pragma once

#include <agentroute/detail/testing_alias.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace agentroute::testkit {

/// A fault the fake injects into the next chat request (one fault, one request).
struct FakeFault {
    enum class Kind {
        status,             ///< answer `status` with an OpenRouter error body (+ `retry_after`)
        availability,       ///< 503 with `error.availability` {retryable, retry_after}, no code
        reset_mid_body,     ///< headers and half a body, then a TCP reset
        truncated_stream,   ///< a stream cut before `[DONE]` (connection closed)
        stall_keepalive,    ///< a stream of `: OPENROUTER PROCESSING` comments only, forever
        error_in_stream,    ///< some text, then an error event with usage, then `[DONE]`
        garbage_json,       ///< 200 with a body that is not JSON
        error_in_200_body,  ///< 200 with `{"error":...}` and no `choices`
        huge_content_length,  ///< 200 whose head announces a 10^12-byte body, then one byte, then silence
        // HTTP/2 only (over HTTP/1.1: a 500): raw frames on the connection, no answer.
        settings_flood,          ///< 200,000 SETTINGS frames
        ping_flood,              ///< 100,000 PING frames
        window_update_overflow,  ///< a WINDOW_UPDATE that takes the connection window past 2^31-1
        raw_h2_frames,           ///< `frames` as they are, in place of an answer, then the connection closes
    };
    Kind kind = Kind::status;
    int status = 500;
    /// `Retry-After` header value ("" for none); for availability, `retry_after` seconds.
    std::string retry_after{};
    bool retryable = true;
    /// Serve this many chat requests normally first (0: the very next one gets the fault).
    int skip = 0;
    /// For `raw_h2_frames`: the bytes written after the server's own frames (a request on a
    /// fresh connection is stream 1).
    std::string frames{};
};

/// One recorded exchange to serve verbatim (the response half of a fixture file).
struct RecordedResponse {
    int status = 200;
    std::map<std::string, std::string> headers{};
    std::string body{};
};

struct FakeOpenRouterOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  // 0: any free port
    /// A timer before each chat answer (no busy wait).
    std::chrono::milliseconds latency{0};
    /// A scenario answer's status and headers (its X-Generation-Id) go out as soon as the
    /// request is read, its body after `latency`, as OpenRouter sends them. false: the head
    /// waits for the latency with the body (a server that is slow to answer at all, for
    /// header-timeout tests).
    bool head_first = true;
    /// USD per token billed in `usage.cost` (the catalogue lists the same price).
    double price_per_token = 0.000002;
    /// The final answer of the built-in scenario.
    std::string final_text =
        "Ticket #4821 is blocked: the nightly export fails because the reporting disk is full. I "
        "rotated logs older than 14 days and raised the quota to 200 GB; the next scheduled export "
        "run should pass tonight.";
    /// Replay mode: serve the recorded exchanges of this folder (the format of
    /// shared/fixtures/openrouter), each to the request that identifies it: its model, messages
    /// (with their parts), stream flag, tools and response format. Recordings that share all of
    /// these are served in turn, in the order of their file names (see `replay_collisions`);
    /// a request none matches gets a 404 naming the closest recording and what differs.
    /// Streamed recordings go out an SSE event per chunk, as recorded. The constructor throws
    /// `std::runtime_error` for a file of the folder that is not a recording.
    std::string replay_dir{};
    /// Where the CA certificate is written. When empty, a fresh temp folder that the fake
    /// removes when it is destroyed.
    std::string cert_dir{};
    /// Server threads.
    unsigned threads = 1;
    /// When set, requests must carry `Authorization: Bearer <api_key>` (else 401).
    std::string api_key{};
    /// Answer HTTP/2 when the client offers it in ALPN (as OpenRouter does); else HTTP/1.1 only.
    bool http2 = true;
    /// SETTINGS_MAX_CONCURRENT_STREAMS of an HTTP/2 connection (Cloudflare's value).
    std::uint32_t http2_max_streams = 256;
    /// More model ids `/models` lists, at `price_per_token` (e.g. the models of replayed
    /// recordings, for cost estimates).
    std::vector<std::string> catalogue_models{};
    /// The scenario's tool-call answer calls the first offered tool this many times at once
    /// (parallel tool calls, ids `call_<generation>`, `call_<generation>_1`, ...).
    int tool_calls_per_answer = 1;
    /// Soak testing: a chat request given no queued fault or response gets a random fault
    /// with this probability: 429 with Retry-After, 500, 502, availability, a reset mid-body,
    /// a truncated or stalled stream, an error inside the stream or a 200 body, garbage, a
    /// never-ending body (the kinds from `status` to `huge_content_length`), drawn from a
    /// generator seeded with `random_fault_seed`.
    double random_fault_rate = 0;
    std::uint64_t random_fault_seed = 1;
    /// Random faults only this long after the fake starts (zero: for as long as it serves), so
    /// that a soak can check the client's health once they stop.
    std::chrono::milliseconds random_faults_for{0};
    /// Soak testing: each scenario answer waits a random extra time up to this (slow answers).
    std::chrono::milliseconds random_extra_latency{0};
};

/// A loopback OpenRouter over real HTTPS (a self-signed CA it makes at start), speaking the
/// same wire format: chat completions streamed or not, `X-Generation-Id`, `/models`,
/// `/generation`, `/key`; a scripted two-call scenario (a tool call to the first offered tool
/// with its required arguments filled, then the final text); exact scripted cost; recorded
/// responses; and fault injection. For tests, benchmarks, the offline demo and your own tests.
///
/// Thread safety: all members may be called from any thread while it serves.
class FakeOpenRouter {
public:
    /// Starts listening at once, on its own threads.
    explicit FakeOpenRouter(FakeOpenRouterOptions options = {});
    /// Stops and joins its threads.
    ~FakeOpenRouter();
    FakeOpenRouter(const FakeOpenRouter&) = delete;
    FakeOpenRouter& operator=(const FakeOpenRouter&) = delete;

    /// e.g. "https://127.0.0.1:40123/api/v1".
    std::string base_url() const;
    /// The PEM file of the fake's private CA: trust it with `HttpsOptions::ca_file`.
    std::string ca_file() const;
    std::uint16_t port() const;

    /// The next chat request gets this fault (queued, first in first out).
    void push_fault(FakeFault fault);
    /// The next chat request gets this response, verbatim.
    void push_response(RecordedResponse response);
    /// `GET /generation?id=<id>` answers this bill (for recorded answers that carry no cost),
    /// after answering 404 to the first `not_found_first` lookups, as OpenRouter does for a
    /// moment after a request ends.
    void add_generation(const std::string& id, double cost, std::int64_t prompt_tokens,
                        std::int64_t completion_tokens, int not_found_first = 0);
    /// `GET /generation` requests answered so far.
    std::size_t generation_lookups() const;

    /// Chat requests answered so far.
    std::size_t chat_requests() const;
    /// Random faults injected so far (`random_fault_rate`).
    std::size_t random_faults() const;
    /// USD billed in `usage.cost` so far.
    double billed_usd() const;
    /// TCP connections accepted so far.
    std::size_t connections() const;
    /// TLS handshakes that resumed a session instead of a full handshake.
    std::size_t resumed_handshakes() const;
    /// Connections that chose HTTP/2.
    std::size_t http2_connections() const;
    /// The body of the last chat request.
    std::string last_request_body() const;
    /// Headers of the last chat request (names lower-cased).
    std::map<std::string, std::string> last_request_headers() const;
    /// Replay mode: the recordings loaded.
    std::size_t replay_recordings() const;
    /// Replay mode: groups of recordings (file names) whose requests are the same, served in
    /// turn.
    std::vector<std::vector<std::string>> replay_collisions() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace agentroute::testkit
