// Many runs over real HTTPS on a multi-threaded pool: the TLS stream, the handshake scheduler,
// the deadlines ticker and the connection pool are shared across threads (run it under
// ThreadSanitizer: -DAGENTROUTE_SANITIZE_THREAD=ON).

#include <agentroute/agent.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <agentroute_test/fake_model.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>

using namespace agentroute;
using namespace std::chrono_literals;

namespace {

struct Outcome {
    std::atomic<int> ok{0}, failed{0};
};

// Runs `runs` runs of `agent` on a pool of four threads, each on its own strand, after `also`
// has started its own work on the pool; counts how they end.
void run_on_pool(Agent<>& agent, int runs, Outcome& outcome,
                 const std::function<void(boost::asio::thread_pool&)>& also = {}) {
    boost::asio::thread_pool pool(4);
    if (also) also(pool);
    for (int i = 0; i < runs; ++i) {
        boost::asio::co_spawn(boost::asio::make_strand(pool), agent.run("Ticket #" + std::to_string(i)),
                              [&outcome](std::exception_ptr e, const Result<std::string>& r) {
                                  (e || r.output.empty() ? outcome.failed : outcome.ok)++;
                              });
    }
    pool.join();
}

}  // namespace

TEST(Stress, HundredsOfHttpsRunsOnAThreadPool) {
    agentroute::testkit::FakeOpenRouterOptions fo;
    fo.latency = 50ms;
    agentroute::testkit::FakeOpenRouter fake(fo);
    OpenRouterOptions o = agentroute::test::fake_options(fake);
    o.https.http2 = false;                  // a connection per run, opened across threads
    o.https.max_concurrent_handshakes = 8;  // make runs queue for handshakes too
    auto model = std::make_shared<OpenRouterModel>(o);
    Agent agent({.name = "support", .model = model});

    constexpr int runs = 300;
    Outcome outcome;
    // Half the connections are opened ahead (preconnect), half on demand, at the same time.
    run_on_pool(agent, runs, outcome, [&](boost::asio::thread_pool& pool) {
        boost::asio::co_spawn(pool, [&]() -> boost::asio::awaitable<void> { co_await model->preconnect(runs / 2); },
                              boost::asio::detached);
    });
    EXPECT_EQ(outcome.ok.load(), runs);
    EXPECT_EQ(outcome.failed.load(), 0);
    EXPECT_LE(fake.connections(), static_cast<std::size_t>(runs) + runs / 2);
    // Nearly every connection resumed the first one's session. Not all, always: the others wait
    // for the probe's ticket at most twice its handshake time, which a machine busy with other
    // tests can exceed (then some do full handshakes; tls_test.cpp checks the exact count).
    EXPECT_GE(fake.resumed_handshakes() * 10, (fake.connections() - 1) * 9);
}

// Runs queue for a few connections across threads: a lost wake-up would leave one waiting
// for ever (the test would time out).
TEST(Stress, RunsQueueForAFewConnectionsOnAThreadPool) {
    agentroute::testkit::FakeOpenRouterOptions fo;
    fo.latency = 5ms;
    agentroute::testkit::FakeOpenRouter fake(fo);
    OpenRouterOptions o = agentroute::test::fake_options(fake);
    o.https.http2 = false;  // the limit bounds HTTP/1.1 connections
    o.https.max_connections_per_host = 4;
    Agent agent({.name = "support", .model = std::make_shared<OpenRouterModel>(o)});

    constexpr int runs = 200;
    Outcome outcome;
    run_on_pool(agent, runs, outcome);
    EXPECT_EQ(outcome.ok.load(), runs);
    EXPECT_EQ(outcome.failed.load(), 0);
    EXPECT_LE(fake.connections(), 4u);
}

// HTTP/2 on a thread pool: runs on four threads share a few connections, whose reader runs on
// the connection's strand while exchanges submit, and send (a burst's requests go out at once),
// from any thread.
TEST(Stress, HundredsOfHttp2RunsOnAThreadPool) {
    agentroute::testkit::FakeOpenRouterOptions fo;
    fo.latency = 20ms;
    agentroute::testkit::FakeOpenRouter fake(fo);
    OpenRouterOptions o = agentroute::test::fake_options(fake);
    o.https.http2 = true;
    o.stream = true;
    Agent agent({.name = "support", .model = std::make_shared<OpenRouterModel>(o)});

    constexpr int runs = 400;
    Outcome outcome;
    run_on_pool(agent, runs, outcome);
    EXPECT_EQ(outcome.ok.load(), runs);
    EXPECT_EQ(outcome.failed.load(), 0);
    EXPECT_LE(fake.connections(), 8u);
    EXPECT_EQ(fake.http2_connections(), fake.connections());
}
