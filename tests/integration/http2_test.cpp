// HTTP/2 (HttpsOptions::http2) against the fake over real TLS: concurrent runs share a few
// connections, a server without h2 gets HTTP/1.1, idle connections are replaced, timeouts and
// preconnect hold. The fault matrix over HTTP/2 is in openrouter_faults_test.cpp.

#include <agentroute/agent.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <agentroute_test/fake_model.hpp>
#include <agentroute_test/run_co.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace agentroute;
using agentroute::test::expect_error;
using agentroute::testkit::FakeOpenRouter;
using agentroute::testkit::FakeOpenRouterOptions;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<OpenRouterModel> h2_model(const FakeOpenRouter& fake, HttpsOptions https = {}) {
    OpenRouterOptions o = agentroute::test::fake_options(fake);
    https.ca_file = o.https.ca_file;
    https.http2 = true;
    o.https = https;
    return std::make_shared<OpenRouterModel>(o);
}

// Starts `runs` runs at once on one io_context (the pool keeps connections per context), after
// `before` if given; returns how many answered.
int run_concurrently(Agent<>& agent, int runs, std::function<boost::asio::awaitable<void>()> before = {}) {
    boost::asio::io_context io;
    if (before) {
        std::exception_ptr failed;
        boost::asio::co_spawn(io, before(), [&](std::exception_ptr e) { failed = e; });
        io.run();
        io.restart();
        if (failed) std::rethrow_exception(failed);
    }
    int answered = 0;
    for (int i = 0; i < runs; ++i) {
        boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
            RunOptions options;  // not a temporary in the co_await: GCC 12 destroys those twice
            if (!(co_await agent.run("hi", options)).output.empty()) ++answered;
        }, boost::asio::detached);
    }
    io.run();
    return answered;
}

}  // namespace

TEST(Http2, ConcurrentRunsShareAFewConnections) {
    FakeOpenRouterOptions fo;
    fo.latency = 30ms;
    FakeOpenRouter fake(fo);
    Agent agent({.name = "a", .model = h2_model(fake)});
    EXPECT_EQ(run_concurrently(agent, 300), 300);
    EXPECT_EQ(fake.chat_requests(), 300u);
    // 100 streams per connection until the server's SETTINGS (256) are read: at most 3.
    EXPECT_GE(fake.connections(), 1u);
    EXPECT_LE(fake.connections(), 3u);
    EXPECT_EQ(fake.http2_connections(), fake.connections());
}

TEST(Http2, AServerWithoutHttp2GetsHttp1OnTheSameConnection) {
    FakeOpenRouterOptions fo;
    fo.http2 = false;
    FakeOpenRouter fake(fo);
    Agent agent({.name = "a", .model = h2_model(fake)});
    EXPECT_EQ(run_concurrently(agent, 1), 1);
    // The connection that offered h2 and got HTTP/1.1 served the run.
    EXPECT_EQ(fake.connections(), 1u);
    EXPECT_EQ(run_concurrently(agent, 3), 3);
    EXPECT_EQ(fake.http2_connections(), 0u);
    EXPECT_EQ(fake.chat_requests(), 4u);
}

TEST(Http2, PreconnectOpensRoomForCountExchanges) {
    FakeOpenRouterOptions fo;
    fo.latency = 20ms;
    FakeOpenRouter fake(fo);
    auto model = h2_model(fake);
    Agent agent({.name = "a", .model = model});
    std::size_t room = 0;
    std::size_t opened = 0;
    EXPECT_EQ(run_concurrently(agent, 250, [&]() -> boost::asio::awaitable<void> {
                  room = co_await model->preconnect(250);
                  opened = fake.connections();
              }), 250);
    EXPECT_EQ(room, 250u);
    EXPECT_EQ(opened, 1u) << "the fake allows 256 streams: its SETTINGS say so before the slots are taken";
    EXPECT_EQ(fake.connections(), opened) << "the runs found room on the open connections";
}

// A preconnect cancelled at whatever point it has reached (holding slots on a first connection,
// opening the next, waiting for its SETTINGS) gives back every slot it held: the next run is
// served and the io_context runs out of work. A slot kept would keep a reader running for ever.
TEST(Http2, APreconnectCancelledAnywhereGivesBackEverySlot) {
    using namespace boost::asio::experimental::awaitable_operators;
    for (int ms = 1; ms <= 8; ++ms) {
        FakeOpenRouter fake;
        auto model = h2_model(fake);
        Agent agent({.name = "a", .model = model});
        boost::asio::io_context io;
        std::string next_output;
        boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
            boost::asio::steady_timer hurry(co_await boost::asio::this_coro::executor, std::chrono::milliseconds(ms));
            // Three connections' worth of slots (the fake allows 256 streams on each).
            co_await (model->preconnect(600) || hurry.async_wait(boost::asio::use_awaitable));
            RunOptions plain;
            next_output = (co_await agent.run("again", plain)).output;
        }, boost::asio::detached);
        io.run_for(10s);
        EXPECT_TRUE(io.stopped()) << "work left after the run, preconnect cancelled after " << ms << " ms";
        EXPECT_EQ(next_output, FakeOpenRouterOptions{}.final_text) << ms << " ms";
    }
}

// Runs started together on one thread send their requests while the later ones are still being
// built: the last run of the burst, before it starts, waits for the server to have received one.
// Were the requests sent only after the whole burst had had its turn (by a writer queued behind
// it), none could have arrived, and the wait would run out.
TEST(Http2, ABurstOfRunsSendsWhileItIsStillBeingBuilt) {
    FakeOpenRouter fake;
    auto model = h2_model(fake);
    Agent agent({.name = "a", .model = model});
    constexpr int burst = 300;  // well over 16 KB of requests
    boost::asio::io_context io;
    boost::asio::co_spawn(io, model->preconnect(burst), boost::asio::detached);  // the burst need not wait for it
    io.run();
    io.restart();

    bool arrived_meanwhile = false;
    int answered = 0;
    for (int i = 0; i < burst; ++i) {
        boost::asio::co_spawn(io, [&, i]() -> boost::asio::awaitable<void> {
            if (i == burst - 1) {
                const auto until = std::chrono::steady_clock::now() + 10s;
                while (fake.chat_requests() == 0 && std::chrono::steady_clock::now() < until) {
                    std::this_thread::sleep_for(1ms);  // holds the only thread: nothing else runs
                }
                arrived_meanwhile = fake.chat_requests() > 0;
            }
            RunOptions options;
            if (!(co_await agent.run("hi", options)).output.empty()) ++answered;
        }, boost::asio::detached);
    }
    io.run();
    EXPECT_TRUE(arrived_meanwhile);
    EXPECT_EQ(answered, burst);
}

TEST(Http2, AnIdleConnectionPastPoolIdleTimeoutIsReplaced) {
    FakeOpenRouter fake;
    HttpsOptions https;
    https.pool_idle_timeout = 50ms;
    Agent agent({.name = "a", .model = h2_model(fake, https)});
    EXPECT_FALSE(agent.run_sync("one").output.empty());
    std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(agent.run_sync("two").output.empty());
    EXPECT_EQ(fake.connections(), 2u);
    EXPECT_EQ(fake.http2_connections(), 2u);
}

TEST(Http2, AHeaderTimeoutEndsTheRunInTimeAndNamesTheOption) {
    FakeOpenRouterOptions fo;
    fo.latency = 2s;
    fo.head_first = false;  // the head comes with the body, after 2 s
    FakeOpenRouter fake(fo);
    HttpsOptions https;
    https.header_timeout = 100ms;
    OpenRouterOptions o = agentroute::test::fake_options(fake);
    o.https = https;
    o.https.ca_file = fake.ca_file();
    o.https.http2 = true;
    o.retry.max_attempts = 1;
    Agent agent({.name = "a", .model = std::make_shared<OpenRouterModel>(o)});
    const auto start = std::chrono::steady_clock::now();
    const auto e = expect_error<ErrorTimeout>([&] { agent.run_sync("hi"); });
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    EXPECT_NE(std::string(e.what()).find("header_timeout"), std::string::npos) << e.what();
}

TEST(Http2, ANonStreamedAnswerLargerThanTheLimitIsRefused) {
    FakeOpenRouter fake;
    HttpsOptions https;
    https.max_response_bytes = 100;
    Agent agent({.name = "a", .model = h2_model(fake, https)});
    expect_error<ErrorProtocol>([&] { agent.run_sync("hi"); });
}

// Waves of runs on one context: the connection's reader parks whenever the last stream ends and
// must come back for the next wave without failing (or, worse, resending) anyone's request.
TEST(Http2, WavesOfRunsAreEachSentExactlyOnce) {
    FakeOpenRouterOptions fo;
    fo.latency = 1ms;
    FakeOpenRouter fake(fo);
    Agent agent({.name = "a", .model = h2_model(fake)});
    boost::asio::io_context io;
    int answered = 0, failed = 0;
    constexpr int waves = 100, per_wave = 20;
    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
        for (int w = 0; w < waves; ++w) {
            int left = per_wave;
            boost::asio::steady_timer all_done(io, std::chrono::steady_clock::time_point::max());
            for (int i = 0; i < per_wave; ++i) {
                boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
                    RunOptions options;
                    try {
                        if (!(co_await agent.run("hi", options)).output.empty()) ++answered;
                    } catch (const std::exception&) {
                        ++failed;
                    }
                    if (--left == 0) all_done.cancel();
                }, boost::asio::detached);
            }
            boost::system::error_code ignored;
            co_await all_done.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
        }
    }, boost::asio::detached);
    io.run();
    EXPECT_EQ(failed, 0);
    EXPECT_EQ(answered, waves * per_wave);
    EXPECT_EQ(fake.chat_requests(), static_cast<std::size_t>(waves * per_wave));
}

// The run opening a host's connection is cancelled mid-handshake (its deadline): the runs that
// waited for that opening take the turn over instead of waiting for ever, and end with the
// server's real fault (here a server that accepts TCP and never answers the TLS handshake).
TEST(Http2, ACancelledOpenerHandsItsTurnToTheWaitingRuns) {
    boost::asio::io_context server_io;
    boost::asio::ip::tcp::acceptor acceptor(server_io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    std::vector<boost::asio::ip::tcp::socket> held;  // accepted, never answered
    std::function<void()> accept = [&] {
        acceptor.async_accept([&](boost::system::error_code ec, boost::asio::ip::tcp::socket s) {
            if (ec) return;
            held.push_back(std::move(s));
            accept();
        });
    };
    accept();
    std::thread server([&] { server_io.run_for(10s); });

    OpenRouterOptions o;
    o.model = "fake/model";
    o.api_key = "k";
    o.base_url = "https://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/api/v1";
    o.https.handshake_timeout = 300ms;
    o.retry.max_attempts = 1;
    Agent agent({.name = "a", .model = std::make_shared<OpenRouterModel>(o)});

    boost::asio::io_context io;
    int deadline = 0, timeout = 0, other = 0;
    for (int i = 0; i < 3; ++i) {
        boost::asio::co_spawn(io, [&, i]() -> boost::asio::awaitable<void> {
            RunOptions options;
            if (i == 0) options.deadline = std::chrono::milliseconds(50);  // the opener gives up
            try {
                co_await agent.run("hi", options);
                ++other;
            } catch (const ErrorDeadline&) {
                ++deadline;
            } catch (const ErrorTimeout&) {
                ++timeout;
            } catch (const std::exception& e) {
                ADD_FAILURE() << "run " << i << ": " << e.what();
                ++other;
            }
        }, boost::asio::detached);
    }
    io.run_for(5s);
    EXPECT_EQ(deadline, 1);
    EXPECT_EQ(timeout, 2) << "the waiting runs must end with the handshake timeout, not wait for ever";
    EXPECT_EQ(other, 0);
    server_io.stop();
    server.join();
}

// A server breaking HTTP/2 ends the run at once with ErrorProtocol, not when a timer runs out:
// a flow-control window past 2^31-1 (nghttp2 answers GOAWAY FLOW_CONTROL_ERROR), and floods of
// SETTINGS or PING (each asks for an ACK; past 128 a second the client sends GOAWAY
// ENHANCE_YOUR_CALM). The next run gets a fresh connection.
class HostileHttp2 : public ::testing::TestWithParam<agentroute::testkit::FakeFault::Kind> {};

TEST_P(HostileHttp2, EndsTheRunAtOnceWithErrorProtocol) {
    FakeOpenRouter fake;
    OpenRouterOptions o = agentroute::test::fake_options(fake);
    o.retry.max_attempts = 1;
    Agent agent({.name = "a", .model = std::make_shared<OpenRouterModel>(o)});
    fake.push_fault({.kind = GetParam()});
    const auto start = std::chrono::steady_clock::now();
    agentroute::test::expect_error<ErrorProtocol>([&] { agent.run_sync("hello"); });
    EXPECT_EQ(fake.chat_requests(), 1u) << "a protocol error is not a refused stream to send again";
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "header_timeout is 60 s";
    EXPECT_FALSE(agent.run_sync("again").output.empty());
    EXPECT_EQ(fake.http2_connections(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Faults, HostileHttp2,
                         ::testing::Values(agentroute::testkit::FakeFault::Kind::window_update_overflow,
                                           agentroute::testkit::FakeFault::Kind::settings_flood,
                                           agentroute::testkit::FakeFault::Kind::ping_flood),
                         [](const auto& info) {
                             using K = agentroute::testkit::FakeFault::Kind;
                             return info.param == K::window_update_overflow ? std::string("WindowUpdateOverflow")
                                    : info.param == K::settings_flood     ? std::string("SettingsFlood")
                                                                          : std::string("PingFlood");
                         });

namespace {

std::string h2_frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream, const std::string& payload) {
    std::string f;
    f += static_cast<char>((payload.size() >> 16) & 0xff);
    f += static_cast<char>((payload.size() >> 8) & 0xff);
    f += static_cast<char>(payload.size() & 0xff);
    f += static_cast<char>(type);
    f += static_cast<char>(flags);
    for (int shift = 24; shift >= 0; shift -= 8) f += static_cast<char>((stream >> shift) & 0xff);
    return f + payload;
}

}  // namespace

// Frames the fake writes raw (FakeFault::Kind::raw_h2_frames, what the h2_frames fuzz target
// drives): a well-formed answer on stream 1 is an answer, and a connection that closes halfway
// through one ends the call with an ErrorAgent at once; the next call gets a fresh connection.
TEST(Http2, RawFramesOfAWholeAnswerAreAnAnswerAndACutOneAnError) {
    FakeOpenRouter fake;
    OpenRouterOptions o = agentroute::test::fake_options(fake);
    o.stream = false;
    o.retry.max_attempts = 1;
    Agent agent({.name = "a", .model = std::make_shared<OpenRouterModel>(o)});
    const std::string body =
        R"({"id":"gen-raw","object":"chat.completion","model":"fake/model","choices":[{"index":0,)"
        R"("finish_reason":"stop","message":{"role":"assistant","content":"framed by hand"}}],)"
        R"("usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5,"cost":0.25}})";
    // HPACK: :status 200 (static index 8), content-type (index 31) as a literal.
    const std::string headers = std::string("\x88\x0f\x10", 3) + static_cast<char>(16) + "application/json";
    agentroute::testkit::FakeFault whole{.kind = agentroute::testkit::FakeFault::Kind::raw_h2_frames};
    whole.frames = h2_frame(1, 0x4, 1, headers) + h2_frame(0, 0x1, 1, body);
    fake.push_fault(whole);
    Result<std::string> answered = agent.run_sync("hello");
    EXPECT_EQ(answered.output, "framed by hand");
    EXPECT_EQ(answered.usage.total_cost_usd, 0.25);

    agentroute::testkit::FakeFault cut{.kind = agentroute::testkit::FakeFault::Kind::raw_h2_frames};
    cut.frames = h2_frame(1, 0x4, 1, headers) + h2_frame(0, 0, 1, body.substr(0, 40));
    fake.push_fault(cut);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(agent.run_sync("hello"), ErrorAgent);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "the connection's end, not a timer, ends it";
    EXPECT_FALSE(agent.run_sync("again").output.empty());
}

// Found by the h2_frames fuzz target: a server that writes an answer and closes at once made
// the client's next write (its acknowledgements) raise SIGPIPE from inside OpenSSL, which kills
// a process that has not ignored the signal (this test binary has not). The client's writes
// now fail with EPIPE instead (socket_bio.cpp), and the call ends in an answer or an error.
TEST(Http2, AServerClosingBeforeTheClientsAcknowledgementsDoesNotRaiseSigpipe) {
    FakeOpenRouter fake;
    OpenRouterOptions o = agentroute::test::fake_options(fake);
    o.retry.max_attempts = 1;
    Agent agent({.name = "a", .model = std::make_shared<OpenRouterModel>(o)});
    const std::string headers = std::string("\x88\x0f\x10", 3) + static_cast<char>(17) + "text/event-stream";
    const std::string data = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n";
    const std::string ping = h2_frame(6, 0, 0, "12345678");
    const std::string settings = h2_frame(4, 0, 0, std::string("\x00\x03\x00\x00\x00\x01", 6));
    int ended = 0;
    for (int i = 0; i < 30; ++i) {
        agentroute::testkit::FakeFault fault{.kind = agentroute::testkit::FakeFault::Kind::raw_h2_frames};
        // Frames that each ask the client to answer (PING, SETTINGS), then the server is gone.
        fault.frames = h2_frame(1, 0x4, 1, headers) + h2_frame(0, 0, 1, data) + ping + settings + ping;
        fake.push_fault(fault);
        try {
            agent.run_sync("hello");
        } catch (const ErrorAgent&) {
        }
        ++ended;
    }
    EXPECT_EQ(ended, 30);
    EXPECT_FALSE(agent.run_sync("again").output.empty());
}
