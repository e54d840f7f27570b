// Agent::stream: owned events pulled at the consumer's pace, exactly one terminal event, a
// bounded buffer, and a run that stops when its consumer goes.

#include <agentroute/agent.hpp>
#include <agentroute/testing/scripted_model.hpp>

#include <agentroute_test/run_co.hpp>
#include <agentroute_test/script.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/describe.hpp>
#include <gtest/gtest.h>

#include <atomic>

using namespace agentroute;
using namespace std::chrono_literals;
using agentroute::test::expect_error;
using agentroute::test::run_co;
using agentroute::test::script;
using agentroute::testkit::ScriptedModel;
using agentroute::testkit::ScriptedModelOptions;
using K = RunEvent::Kind;
namespace asio = boost::asio;

namespace {

// Streams its answer in `pieces`, `gap` apart (on a timer), counting what it produced. A
// cancelled answer was billed: ErrorCancelled carries its usage, as the OpenRouter model's does.
class DripModel : public Model {
public:
    DripModel(std::vector<std::string> pieces, std::chrono::milliseconds gap = 0ms)
        : pieces_(std::move(pieces)), gap_(gap) {}

    const std::string& name() const noexcept override { return name_; }

    asio::awaitable<ModelResponse> request(ModelRequest request) override {
        ++calls;
        std::string text;
        for (const std::string& piece : pieces_) {
            if (gap_ > 0ms) {
                asio::steady_timer timer(co_await asio::this_coro::executor, gap_);
                auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
                if (ec) throw ErrorCancelled(Usage{3, 1, 0.01, 1});
            }
            text += piece;
            ++pieces_sent;
            if (request.on_text_delta) request.on_text_delta(piece);
        }
        ModelResponse response;
        response.message = Message::assistant(std::move(text));
        response.usage = Usage{3, static_cast<std::int64_t>(pieces_.size()), 0.01, 1};
        co_return response;
    }

    std::atomic<int> calls{0};
    std::atomic<int> pieces_sent{0};

private:
    std::vector<std::string> pieces_;
    std::chrono::milliseconds gap_;
    std::string name_ = "test/drip";
};

template <class T>
asio::awaitable<std::vector<StreamEvent<T>>> drain(RunStream<T>& stream) {
    std::vector<StreamEvent<T>> events;
    while (auto event = co_await stream.next()) events.push_back(std::move(*event));
    co_return events;
}

template <class T>
std::vector<K> kinds_of(const std::vector<StreamEvent<T>>& events) {
    std::vector<K> kinds;
    for (const auto& e : events) kinds.push_back(e.kind);
    return kinds;
}

template <class T>
int terminals(const std::vector<StreamEvent<T>>& events) {
    int n = 0;
    for (const auto& e : events) n += e.terminal() ? 1 : 0;
    return n;
}

std::vector<std::string> pieces(int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back("w" + std::to_string(i) + " ");
    return out;
}

struct Weather {
    std::string city;
    int temp = 0;
    std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Weather, (), (city, temp, tags))

}  // namespace

TEST(Stream, ASuccessfulRunStreamsItsLoopInOrderAndEndsOnceCompleted) {
    Agent agent({.name = "a", .model = script({ScriptedModel::tool_call("noop", "{}"), ScriptedModel::text("done")})});
    agent.tool("noop", "d", [](RunContext&) { return std::string("r"); });
    auto stream = agent.stream("go");
    auto events = run_co(drain(stream));

    EXPECT_EQ(kinds_of(events), (std::vector<K>{K::tool_call_started, K::tool_call_delta, K::usage, K::tool_call,
                                                K::tool_result, K::text_delta, K::usage, K::completed}));
    EXPECT_EQ(events[0].call().name, "noop");
    EXPECT_EQ(events[4].message()->content, "r");
    ASSERT_TRUE(events.back().result());
    EXPECT_EQ(events.back().result()->output, "done");
    EXPECT_EQ(events.back().usage().model_calls, 2);
    EXPECT_EQ(events.back().result()->usage, events.back().usage());
    // After the terminal event the stream stays ended.
    EXPECT_FALSE(run_co(stream.next()).has_value());
}

TEST(Stream, AConsumerAsksOnlyForTheKindsItWantsAndStillGetsTheEnd) {
    Agent agent({.name = "a", .model = script({ScriptedModel::tool_call("noop", "{}"), ScriptedModel::text("done")})});
    agent.tool("noop", "d", [](RunContext&) { return std::string("r"); });
    auto stream = agent.stream("go", RunOptions(), StreamOptions{.events = {K::text_delta, K::tool_call}});
    auto events = run_co(drain(stream));
    EXPECT_EQ(kinds_of(events), (std::vector<K>{K::tool_call, K::text_delta, K::completed}));
    EXPECT_EQ(events.back().result()->output, "done");
    EXPECT_EQ(events.back().usage().model_calls, 2);  // the terminal event keeps its usage
}

TEST(Stream, EventKindsHoldWhatTheyWereGiven) {
    constexpr EventKinds text{K::text_delta};
    static_assert(text.contains(K::text_delta) && !text.contains(K::usage));
    static_assert(EventKinds().contains(K::partial_output) && EventKinds().contains(K::cancelled));
}

TEST(Stream, AFailingToolEndsTheStreamOnceFailedWithARethrowableError) {
    Agent agent({.name = "a", .model = script({ScriptedModel::tool_call("boom", "{}")})});
    agent.tool("boom", "d", [](RunContext&) -> std::string { throw std::runtime_error("disk on fire"); });
    auto stream = agent.stream("go");
    auto events = run_co(drain(stream));
    EXPECT_EQ(terminals(events), 1);
    ASSERT_EQ(events.back().kind, K::failed);
    EXPECT_NE(events.back().text.find("disk on fire"), std::string::npos);
    EXPECT_EQ(events.back().usage().model_calls, 1);
    auto e = expect_error<ErrorTool>([&] { events.back().rethrow(); });
    EXPECT_EQ(e.usage().model_calls, 1);
}

TEST(Stream, ABudgetStopEndsTheStreamFailedWithErrorBudget) {
    Agent agent({.name = "a",
                 .model = script({ScriptedModel::tool_call("noop", "{}", Usage{1, 1, 0.30, 1}),
                                  ScriptedModel::text("never")}),
                 .max_cost = 0.25});
    agent.tool("noop", "d", [](RunContext&) { return std::string("r"); });
    auto stream = agent.stream("go");
    auto events = run_co(drain(stream));
    EXPECT_EQ(terminals(events), 1);
    ASSERT_EQ(events.back().kind, K::failed);
    EXPECT_DOUBLE_EQ(events.back().usage().total_cost_usd, 0.30);
    expect_error<ErrorBudget>([&] { events.back().rethrow(); });
}

TEST(Stream, ACorrectionIsStreamedAsAToolResultAndTheRunGoesOn) {
    Agent agent({.name = "a",
                 .model = script({ScriptedModel::tool_call("check", "{}"), ScriptedModel::text("fixed")}),
                 .retries = 1});
    agent.tool("check", "d", [](RunContext&) -> std::string { throw Retry("use another id"); });
    auto stream = agent.stream("go");
    auto events = run_co(drain(stream));
    EXPECT_EQ(terminals(events), 1);
    ASSERT_EQ(events.back().kind, K::completed);
    auto result = std::find_if(events.begin(), events.end(), [](auto& e) { return e.kind == K::tool_result; });
    ASSERT_NE(result, events.end());
    EXPECT_EQ(result->message()->content, "use another id");
}

TEST(Stream, ADeadlineEndsTheStreamOnceCancelled) {
    auto model = std::make_shared<DripModel>(pieces(50), 10ms);
    Agent agent({.name = "a", .model = model});
    RunOptions options;
    options.deadline = 40ms;
    auto stream = agent.stream("go", std::move(options));
    auto events = run_co(drain(stream));
    EXPECT_EQ(terminals(events), 1);
    ASSERT_EQ(events.back().kind, K::cancelled);
    expect_error<ErrorDeadline>([&] { events.back().rethrow(); });
    EXPECT_LT(model->pieces_sent.load(), 50);
}

TEST(Stream, DroppingTheStreamCancelsTheRunWithinOneEventAndKeepsItsUsage) {
    auto model = std::make_shared<DripModel>(pieces(100), 5ms);
    Agent agent({.name = "a", .model = model});
    std::optional<RunEvent::Kind> ended;
    Usage ended_with;
    RunOptions options;
    options.on_event = [&](const RunEvent& e) {
        if (is_terminal(e.kind)) {
            ended = e.kind;
            ended_with = e.usage;
        }
    };
    asio::io_context io;
    int seen = 0;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        auto stream = agent.stream("go", std::move(options));
        while (auto event = co_await stream.next()) {
            if (event->kind == K::text_delta && ++seen == 3) break;  // the stream dies here
        }
    }, asio::detached);
    io.run_for(5s);
    ASSERT_TRUE(ended.has_value());
    EXPECT_EQ(*ended, K::cancelled);
    EXPECT_DOUBLE_EQ(ended_with.total_cost_usd, 0.01);  // the abandoned call's bill
    EXPECT_LE(model->pieces_sent.load(), 5);  // stopped within one event, not after 100
}

TEST(Stream, CancellingTheCoroutineAwaitingNextCancelsTheRun) {
    auto model = std::make_shared<DripModel>(pieces(100), 20ms);
    Agent agent({.name = "a", .model = model});
    std::optional<RunEvent::Kind> ended;
    RunOptions options;
    options.on_event = [&](const RunEvent& e) {
        if (is_terminal(e.kind)) ended = e.kind;
    };
    auto stream = agent.stream("go", std::move(options));
    asio::io_context io;
    asio::cancellation_signal signal;
    std::exception_ptr consumer_error;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        while (auto event = co_await stream.next()) {}
    }, asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e) { consumer_error = e; }));
    asio::steady_timer timer(io, 50ms);
    timer.async_wait([&](auto) { signal.emit(asio::cancellation_type::terminal); });
    io.run_for(5s);
    ASSERT_TRUE(consumer_error);
    try {
        std::rethrow_exception(consumer_error);
    } catch (const boost::system::system_error& e) {
        EXPECT_EQ(e.code(), asio::error::operation_aborted);
    }
    ASSERT_TRUE(ended.has_value());
    EXPECT_EQ(*ended, K::cancelled);
    EXPECT_LT(model->pieces_sent.load(), 10);
}

TEST(Stream, CancelEndsTheRunWithACancelledEventCarryingItsUsage) {
    auto model = std::make_shared<DripModel>(pieces(100), 5ms);
    Agent agent({.name = "a", .model = model});
    auto stream = agent.stream("go");
    auto events = run_co([&]() -> asio::awaitable<std::vector<StreamEvent<std::string>>> {
        std::vector<StreamEvent<std::string>> out;
        while (auto event = co_await stream.next()) {
            if (event->kind == K::text_delta && out.size() == 1) stream.cancel();
            out.push_back(std::move(*event));
        }
        co_return out;
    }());
    EXPECT_EQ(terminals(events), 1);
    ASSERT_EQ(events.back().kind, K::cancelled);
    EXPECT_DOUBLE_EQ(events.back().usage().total_cost_usd, 0.01);
    expect_error<ErrorCancelled>([&] { events.back().rethrow(); });
}

TEST(Stream, AStreamNeverPulledNeverRuns) {
    auto model = std::make_shared<DripModel>(pieces(3));
    Agent agent({.name = "a", .model = model});
    { auto stream = agent.stream("go"); }
    EXPECT_EQ(model->calls.load(), 0);
}

TEST(Stream, ASlowConsumerGetsTextCoalescedNeverLostAndTheReadNeverStalls) {
    auto model = std::make_shared<DripModel>(pieces(1000));  // every piece at once
    Agent agent({.name = "a", .model = model});
    auto stream = agent.stream("go", RunOptions(), StreamOptions{.buffer = 4});
    auto events = run_co([&]() -> asio::awaitable<std::vector<StreamEvent<std::string>>> {
        // The first next() starts the run; the model then produces all 1,000 fragments while
        // the consumer looks away.
        std::vector<StreamEvent<std::string>> out;
        auto first = co_await stream.next();
        out.push_back(std::move(*first));
        asio::steady_timer timer(co_await asio::this_coro::executor, 20ms);
        co_await timer.async_wait(asio::use_awaitable);
        while (auto event = co_await stream.next()) out.push_back(std::move(*event));
        co_return out;
    }());
    EXPECT_EQ(model->pieces_sent.load(), 1000);
    std::string text;
    int deltas = 0;
    for (const auto& e : events) {
        if (e.kind == K::text_delta) {
            text += e.text;
            ++deltas;
        }
    }
    EXPECT_LE(deltas, 5);  // the buffer's worth, the rest coalesced into the last
    std::string whole;
    for (const auto& p : pieces(1000)) whole += p;
    EXPECT_EQ(text, whole);
    ASSERT_EQ(events.back().kind, K::completed);
    EXPECT_EQ(events.back().result()->output, whole);
}

TEST(Stream, TheRunWaitsForAConsumerThatIsBehindBeforeItsNextModelCall) {
    std::vector<testkit::ScriptStep> steps;
    for (int i = 0; i < 6; ++i) steps.push_back(ScriptedModel::tool_call("noop", "{}"));
    steps.push_back(ScriptedModel::text("done"));
    auto model = script(std::move(steps));
    Agent agent({.name = "a", .model = model, .max_turns = 10});
    agent.tool("noop", "d", [](RunContext&) { return std::string("r"); });
    auto stream = agent.stream("go", RunOptions(), StreamOptions{.buffer = 2});
    asio::io_context io;
    std::vector<StreamEvent<std::string>> events;
    bool done = false;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        auto first = co_await stream.next();
        events.push_back(std::move(*first));
        asio::steady_timer timer(co_await asio::this_coro::executor, 50ms);
        co_await timer.async_wait(asio::use_awaitable);
        // While this consumer slept the run made no more calls than its buffer allowed.
        EXPECT_LE(model->calls(), 2u);
        while (auto event = co_await stream.next()) events.push_back(std::move(*event));
        done = true;
    }, asio::detached);
    io.run_for(5s);
    ASSERT_TRUE(done);
    EXPECT_EQ(model->calls(), 7u);
    EXPECT_EQ(events.back().kind, K::completed);
}

TEST(Stream, RunsOnAThreadPoolStreamToAConsumerOnAnotherThread) {
    auto model = std::make_shared<DripModel>(pieces(20), 1ms);
    Agent agent({.name = "a", .model = model});
    asio::thread_pool pool(2);
    asio::io_context consumer;
    constexpr int runs = 50;
    std::atomic<int> completed{0};
    std::string whole;
    for (const auto& p : pieces(20)) whole += p;
    for (int i = 0; i < runs; ++i) {
        asio::co_spawn(consumer, [&]() -> asio::awaitable<void> {
            auto stream = agent.stream("go", RunOptions(), StreamOptions{.buffer = 3, .executor = pool.get_executor()});
            std::string text;
            int ends = 0;
            while (auto event = co_await stream.next()) {
                if (event->kind == K::text_delta) text += event->text;
                if (event->terminal()) ++ends;
                if (event->kind == K::completed && event->result()->output == text && text == whole) ++completed;
            }
            EXPECT_EQ(ends, 1);
        }, asio::detached);
    }
    consumer.run_for(20s);
    pool.join();
    EXPECT_EQ(completed.load(), runs);
}

TEST(Stream, ATypedRunStreamsTheFieldsParsedSoFar) {
    auto model = std::make_shared<DripModel>(
        std::vector<std::string>{R"({"ci)", R"(ty":"Par)", R"(is, Fr",)", R"( "temp": 2)", R"(1, "tags": ["a",)",
                                 R"( "b"])", "}"});
    Agent<Weather> agent({.name = "w", .model = model});
    auto stream = agent.stream("weather?");
    auto events = run_co(drain(stream));
    std::vector<std::string> partials;
    for (const auto& e : events) {
        if (e.kind == K::partial_output) partials.push_back(e.text);
    }
    EXPECT_EQ(partials, (std::vector<std::string>{R"({"city":"Paris, Fr"})", R"({"city":"Paris, Fr","temp":21})",
                                                  R"({"city":"Paris, Fr","temp":21,"tags":["a","b"]})"}));
    ASSERT_EQ(events.back().kind, K::completed);
    EXPECT_EQ(events.back().result()->output.temp, 21);
    EXPECT_EQ(events.back().result()->output.tags.size(), 2u);
}
