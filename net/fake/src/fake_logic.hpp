#pragma once

#include "replay_book.hpp"

#include <agentroute/net/fake_openrouter.hpp>

#include <boost/json/fwd.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace agentroute::testkit::detail {

struct FakeRequest {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // lower-cased names
    std::string body;
};

struct ChatFacts;

/// What the server writes for one request.
struct Plan {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    /// Chunked (a stream) or one body with Content-Length.
    bool chunked = false;
    std::vector<std::string> chunks;
    enum class End {
        complete,          // the whole response, connection kept alive
        reset_half,        // half the body, then a TCP reset
        close_unfinished,  // chunks, then close without the final chunk
        stall,             // keep-alive comments until the client leaves
        hold,              // nothing more, the connection held open until the client leaves
    } end = End::complete;
    /// The Content-Length the head announces, when it is not the body's (a lying server).
    std::optional<std::uint64_t> announced_length;
    /// HTTP/2: frames written raw on the connection in place of an answer (a hostile server).
    std::string raw_h2_frames;
    /// HTTP/2: `raw_h2_frames` (even none) in place of an answer, then the connection closes.
    bool raw_h2 = false;
    std::chrono::milliseconds latency{0};
    /// The status and headers go out as soon as the request is read, the body after the
    /// latency: OpenRouter sends a chat answer's head (its X-Generation-Id) at once.
    bool head_first = false;
};

/// The fake's behaviour without sockets: scenario, faults, replay, accounting.
class FakeLogic {
public:
    explicit FakeLogic(const FakeOpenRouterOptions& options);

    Plan handle(FakeRequest request);

    void push_fault(FakeFault fault);
    void push_response(RecordedResponse response);
    std::size_t chat_requests() const;
    std::size_t random_faults() const;
    double billed_usd() const;
    std::string last_request_body() const;
    std::map<std::string, std::string> last_request_headers() const;
    void add_generation(const std::string& id, double cost, std::int64_t prompt_tokens,
                        std::int64_t completion_tokens, int not_found_first);
    std::size_t generation_lookups() const;
    std::vector<std::vector<std::string>> replay_collisions() const;
    std::size_t replay_recordings() const;

private:
    struct Generation {
        double cost = 0;
        std::int64_t prompt_tokens = 0, completion_tokens = 0;
        int not_found_first = 0;  // lookups answered 404 before this bill shows
    };

    Plan chat(FakeRequest request);
    Plan scenario(const ChatFacts& facts, std::size_t body_size, const std::string& generation_id);
    Plan fault(const FakeFault& f, bool stream, const std::string& generation_id);
    Plan models() const;
    Plan generation(const std::string& target);
    Plan key() const;
    double bill(std::int64_t prompt_tokens, std::int64_t completion_tokens, const std::string& generation_id);
    void keep_generation(const std::string& id, Generation generation);
    // Under the mutex.
    std::optional<FakeFault> draw_random_fault();
    std::chrono::milliseconds draw_extra_latency();

    FakeOpenRouterOptions options_;
    mutable std::mutex mutex_;
    std::deque<FakeFault> faults_;
    std::deque<RecordedResponse> responses_;
    ReplayBook replay_;
    std::size_t generation_lookups_ = 0;
    std::map<std::string, Generation> generations_;  // what GET /generation answers
    std::deque<std::string> generation_order_;       // the oldest is forgotten first
    std::mt19937_64 random_;                         // random faults and latencies
    const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::size_t random_faults_ = 0;
    std::size_t chat_requests_ = 0;
    std::uint64_t next_generation_ = 0;
    double billed_ = 0;
    std::string last_body_;
    std::map<std::string, std::string> last_headers_;
};

}  // namespace agentroute::testkit::detail
