// The handshake scheduler: bounded handshakes in flight, and single flight per host until a
// session exists, without lost wake-ups or waiting on a failed probe.

#include "handshake_scheduler.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace asio = boost::asio;
using agentroute::net::detail::HandshakeScheduler;
using namespace std::chrono_literals;

namespace {

struct Log {
    std::vector<HandshakeScheduler::Turn> turns;  // in the order they were admitted
    std::size_t most_in_flight = 0;
};

// Enters, "handshakes" for `hold`, leaves with `ok`.
asio::awaitable<void> handshake(HandshakeScheduler& s, std::string host, Log& log, std::chrono::milliseconds hold, bool ok) {
    HandshakeScheduler::Turn turn = co_await s.enter(std::move(host));
    log.turns.push_back(turn);
    log.most_in_flight = std::max(log.most_in_flight, s.in_flight());
    asio::steady_timer timer(co_await asio::this_coro::executor, hold);
    co_await timer.async_wait(asio::use_awaitable);
    s.leave(turn, ok);
}

SSL_SESSION* resumable_session() {
    SSL_SESSION* session = SSL_SESSION_new();
    static const unsigned char id[] = "0123456789abcdef";
    SSL_SESSION_set1_id(session, id, sizeof id - 1);
    return session;
}

}  // namespace

TEST(HandshakeScheduler, NeverMoreThanTheLimitInFlightAndEveryoneGetsATurn) {
    HandshakeScheduler s(3);
    // Each host settled (a failed probe) so that only the slot limit applies.
    asio::io_context io;
    Log log;
    for (int i = 0; i < 20; ++i) {
        asio::co_spawn(io, handshake(s, "h" + std::to_string(i % 4) + ":443", log, 2ms, false), asio::detached);
    }
    io.run();
    EXPECT_EQ(log.turns.size(), 20u);
    EXPECT_LE(log.most_in_flight, 3u);
    EXPECT_EQ(s.in_flight(), 0u);
}

TEST(HandshakeScheduler, OthersWaitForTheProbesSessionThenGoTogether) {
    HandshakeScheduler s(100);
    asio::io_context io;
    Log log;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        HandshakeScheduler::Turn turn = co_await s.enter("api:443");
        log.turns.push_back(turn);
        asio::steady_timer timer(co_await asio::this_coro::executor, 20ms);
        co_await timer.async_wait(asio::use_awaitable);
        s.keep_session("api:443", resumable_session());  // as TLS 1.2 does, inside the handshake
        s.leave(turn, true);
    }, asio::detached);
    for (int i = 0; i < 5; ++i) asio::co_spawn(io, handshake(s, "api:443", log, 1ms, true), asio::detached);
    // Another host does not wait for this one's probe.
    asio::co_spawn(io, handshake(s, "other:443", log, 1ms, true), asio::detached);
    io.run();
    ASSERT_EQ(log.turns.size(), 7u);
    EXPECT_TRUE(log.turns[0].probe);
    EXPECT_EQ(log.turns[1].host, "other:443");
    EXPECT_TRUE(log.turns[1].probe);
    for (std::size_t i = 2; i < log.turns.size(); ++i) {
        EXPECT_FALSE(log.turns[i].probe);
        EXPECT_GE(log.turns[i].started - log.turns[0].started, 20ms);
    }
}

TEST(HandshakeScheduler, AFailedProbeReleasesEveryoneAtOnce) {
    HandshakeScheduler s(100);
    asio::io_context io;
    Log log;
    asio::co_spawn(io, handshake(s, "api:443", log, 10ms, false), asio::detached);
    for (int i = 0; i < 5; ++i) asio::co_spawn(io, handshake(s, "api:443", log, 30ms, false), asio::detached);
    const auto start = std::chrono::steady_clock::now();
    io.run();
    ASSERT_EQ(log.turns.size(), 6u);
    // Serialized they would take 10 + 5 x 30 ms; released together, 10 + 30.
    EXPECT_LT(std::chrono::steady_clock::now() - start, 120ms);
    EXPECT_EQ(log.most_in_flight, 5u);
}

TEST(HandshakeScheduler, WithoutATicketTheWaitEndsSoonAfterTheProbesHandshake) {
    HandshakeScheduler s(100);
    asio::io_context io;
    Log log;
    asio::co_spawn(io, handshake(s, "api:443", log, 10ms, true), asio::detached);  // succeeds, no session
    for (int i = 0; i < 3; ++i) asio::co_spawn(io, handshake(s, "api:443", log, 1ms, true), asio::detached);
    const auto start = std::chrono::steady_clock::now();
    io.run();
    ASSERT_EQ(log.turns.size(), 4u);
    // Twice the probe's 10 ms after it ended, not forever.
    EXPECT_LT(std::chrono::steady_clock::now() - start, 200ms);
    for (std::size_t i = 1; i < log.turns.size(); ++i) EXPECT_GE(log.turns[i].started - log.turns[0].started, 25ms);
}

TEST(HandshakeScheduler, ACancelledWaiterLeavesNoOneStuck) {
    HandshakeScheduler s(1);
    asio::io_context io;
    Log log;
    asio::co_spawn(io, handshake(s, "a:1", log, 20ms, false), asio::detached);  // holds the only slot
    // Cancelled while it waits for the slot.
    asio::cancellation_signal cancel;
    asio::co_spawn(io, handshake(s, "b:1", log, 1ms, false), asio::bind_cancellation_slot(cancel.slot(), asio::detached));
    asio::co_spawn(io, handshake(s, "c:1", log, 1ms, false), asio::detached);
    asio::steady_timer t(io, 5ms);
    t.async_wait([&](auto) { cancel.emit(asio::cancellation_type::terminal); });
    io.run();
    EXPECT_EQ(s.in_flight(), 0u);
    ASSERT_EQ(log.turns.size(), 2u);
    EXPECT_EQ(log.turns[1].host, "c:1");
}
