// 1,000 streamed runs at once on a 2-thread pool, each consumed by a deliberately slow consumer
// on another thread: every stream delivers its whole answer in order and ends with exactly one
// terminal event, and what is held per run stays bounded while the consumers lag.

#include <agentroute/agent.hpp>

#include <agentroute_test/sanitizers.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/describe.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <thread>
#include <unistd.h>

using namespace agentroute;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using K = RunEvent::Kind;

namespace {

struct Lookup {
    std::string ticket_id;
};
BOOST_DESCRIBE_STRUCT(Lookup, (), (ticket_id))

constexpr int pieces_per_answer = 200;
const std::string piece(64, 'x');

// Streams a tool call (its arguments in fragments) on the first call of a run and a long text
// answer on the second, yielding to the pool between fragments as a socket read would.
class StreamingModel : public Model {
public:
    const std::string& name() const noexcept override { return name_; }

    asio::awaitable<ModelResponse> request(ModelRequest request) override {
        const bool answered_tool = request.messages.back().role == Role::tool;
        ModelResponse r;
        r.usage = Usage{50, pieces_per_answer, 0.0001, 1};
        if (!answered_tool) {
            for (std::string_view fragment : {R"({"ticket)", R"(_id":)", R"("4821"})"}) {
                co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
                if (request.on_delta) {
                    request.on_delta({.kind = ModelDelta::Kind::tool_call, .text = fragment, .index = 0,
                                      .id = fragment.front() == '{' ? "call_1" : "",
                                      .name = fragment.front() == '{' ? "lookup" : ""});
                }
            }
            r.message = Message::assistant({}, {ToolCall{"call_1", "lookup", R"({"ticket_id":"4821"})"}});
            r.finish_reason = "tool_calls";
            co_return r;
        }
        std::string text;
        for (int i = 0; i < pieces_per_answer; ++i) {
            co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
            text += piece;
            if (request.on_text_delta) request.on_text_delta(piece);
        }
        r.message = Message::assistant(std::move(text));
        r.finish_reason = "stop";
        co_return r;
    }

private:
    std::string name_ = "test/streaming";
};

std::size_t rss_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

struct Tally {
    std::atomic<int> complete{0}, wrong{0};
    std::atomic<std::int64_t> calls{0};
    std::atomic<std::int64_t> text_events{0};
};

// One slow consumer: a pause every other event, so that the run outpaces it and its buffer
// fills. Checks what it got against the run's result.
asio::awaitable<void> consume(RunStream<std::string> stream, Tally& tally) {
    std::string text, arguments;
    int terminals = 0, events = 0;
    bool started = false, after_terminal = false;
    std::optional<Result<std::string>> result;
    asio::steady_timer pause(co_await asio::this_coro::executor);
    while (auto event = co_await stream.next()) {
        if (terminals > 0) after_terminal = true;
        switch (event->kind) {
            case K::text_delta:
                text += event->text;
                ++tally.text_events;
                break;
            case K::tool_call_started: started = event->call().name == "lookup"; break;
            case K::tool_call_delta: arguments += event->text; break;
            case K::completed: ++terminals; result = std::move(*event->result()); break;
            case K::failed:
            case K::cancelled: ++terminals; break;
            default: break;
        }
        if (++events % 2 == 0) {
            pause.expires_after(3ms);
            co_await pause.async_wait(asio::use_awaitable);
        }
    }
    const bool right = terminals == 1 && !after_terminal && started && result &&
                       arguments == R"({"ticket_id":"4821"})" && text == result->output &&
                       text.size() == piece.size() * pieces_per_answer && result->calls.size() == 2;
    if (right) {
        ++tally.complete;
        tally.calls += result->usage.model_calls;
    } else {
        ++tally.wrong;
    }
}

}  // namespace

TEST(Stress, AThousandStreamedRunsWithSlowConsumersOnATwoThreadPool) {
    constexpr int runs = 1'000;
    Agent agent({.name = "streamer", .model = std::make_shared<StreamingModel>()});
    agent.tool("lookup", "Look a ticket up.", [](RunContext&, const Lookup& l) { return "ticket " + l.ticket_id + ": open"; });

    boost::asio::thread_pool pool(2);  // the runs, each on a strand of it
    asio::io_context consumers;        // the consumers, on a thread of their own
    Tally tally;
    const std::size_t rss_before = rss_bytes();
    std::atomic<std::size_t> rss_peak{rss_before};
    std::atomic<bool> sampling{true};
    std::thread sampler([&] {
        while (sampling) {
            const std::size_t now = rss_bytes();
            if (now > rss_peak) rss_peak = now;
            std::this_thread::sleep_for(5ms);
        }
    });
    for (int i = 0; i < runs; ++i) {
        StreamOptions options;
        options.executor = pool.get_executor();
        options.buffer = 16;
        asio::co_spawn(consumers, consume(agent.stream("Investigate ticket #4821", {}, options), tally),
                       [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
    }
    consumers.run();
    pool.join();
    sampling = false;
    sampler.join();

    EXPECT_EQ(tally.complete, runs);
    EXPECT_EQ(tally.wrong, 0);
    EXPECT_EQ(tally.calls, 2 * runs);
    // The consumers lagged: fragments they had not read yet were coalesced, not queued.
    EXPECT_LT(tally.text_events, std::int64_t{runs} * pieces_per_answer);
    std::cout << "text events " << tally.text_events << " for " << runs * pieces_per_answer << " fragments; peak RSS +"
              << (rss_peak - rss_before) / 1024 << " KiB\n";
    // Each run holds its conversation (a 12.8 KB answer) and at most one buffer of events; the
    // text its consumer has not read yet coalesces instead of queueing event by event. Not
    // checked under sanitizers, whose allocators keep freed memory.
    const double per_run_kib = static_cast<double>(rss_peak - rss_before) / runs / 1024;
    RecordProperty("peak_rss_kib_per_run", std::to_string(per_run_kib));
    if (!agentroute::test::sanitized) {
        EXPECT_LT(per_run_kib, 96) << "peak RSS growth per streamed run in flight";
    }
}
