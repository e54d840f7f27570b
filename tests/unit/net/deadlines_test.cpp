// Deadlines: one ticker per context expires what is past due, no earlier than armed and no
// later than one resolution after; extended and disarmed deadlines do not fire; a tick looks
// only at what is due, however much is armed.

#include "deadlines.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

namespace asio = boost::asio;
using agentroute::net::detail::Deadlines;
using agentroute::net::detail::Watched;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Probe : Watched {
    std::optional<Clock::time_point> expired_at;
    int expiries = 0;
    void expire() noexcept override {
        expired_at = Clock::now();
        ++expiries;
    }
};

// Runs `io` for `span`.
void run_for(asio::io_context& io, std::chrono::milliseconds span) {
    asio::steady_timer stop(io, span);
    stop.async_wait([&](auto) { io.stop(); });
    io.run();
    io.restart();
}

// `probe` expired once, `after` past `armed` and at most one resolution later (plus 50 ms of
// slack for a busy machine).
void expect_fired_once_on_time(const Probe& probe, Clock::time_point armed, std::chrono::milliseconds after) {
    ASSERT_TRUE(probe.expired_at);
    EXPECT_GE(*probe.expired_at - armed, after);
    EXPECT_LE(*probe.expired_at - armed, after + Deadlines::resolution + 50ms);
    EXPECT_EQ(probe.expiries, 1);
    EXPECT_TRUE(probe.fired());
}

}  // namespace

TEST(Deadlines, AnArmedDeadlineFiresOnceWithinOneResolution) {
    asio::io_context io;
    Deadlines& deadlines = Deadlines::of(io.get_executor());
    auto probe = std::make_shared<Probe>();
    const auto armed = Clock::now();
    probe->arm(deadlines, probe, 100ms);
    run_for(io, 400ms);
    expect_fired_once_on_time(*probe, armed, 100ms);
}

TEST(Deadlines, ExtendingMovesItAndDisarmingCancelsIt) {
    asio::io_context io;
    Deadlines& deadlines = Deadlines::of(io.get_executor());
    auto extended = std::make_shared<Probe>();
    auto disarmed = std::make_shared<Probe>();
    const auto armed = Clock::now();
    extended->arm(deadlines, extended, 100ms);
    disarmed->arm(deadlines, disarmed, 100ms);
    disarmed->disarm();
    asio::steady_timer later(io, 80ms);
    later.async_wait([&](auto) { extended->extend(200ms); });  // now due at ~280 ms
    run_for(io, 500ms);
    ASSERT_TRUE(extended->expired_at);
    EXPECT_GE(*extended->expired_at - armed, 280ms);
    EXPECT_FALSE(disarmed->expired_at);
    EXPECT_FALSE(disarmed->fired());
    // Extending a deadline that is not armed does not arm one.
    disarmed->extend(10ms);
    run_for(io, 150ms);
    EXPECT_FALSE(disarmed->expired_at);
}

TEST(Deadlines, ManyWatchedAndAGoneOneIsForgotten) {
    asio::io_context io;
    Deadlines& deadlines = Deadlines::of(io.get_executor());
    std::vector<std::shared_ptr<Probe>> probes;
    for (int i = 0; i < 1000; ++i) {
        probes.push_back(std::make_shared<Probe>());
        probes.back()->arm(deadlines, probes.back(), std::chrono::milliseconds(i % 100));
    }
    auto gone = std::make_shared<Probe>();
    gone->arm(deadlines, gone, 10ms);
    gone.reset();  // destroyed before it is due: nothing to call
    run_for(io, 300ms);
    for (const auto& p : probes) EXPECT_EQ(p->expiries, 1);
}

TEST(Deadlines, RunReturnsOnceNothingIsArmedEvenIfAnArmedOneWasDestroyed) {
    asio::io_context io;
    Deadlines& deadlines = Deadlines::of(io.get_executor());
    auto kept = std::make_shared<Probe>();
    auto abandoned = std::make_shared<Probe>();
    kept->arm(deadlines, kept, std::chrono::hours(1));
    abandoned->arm(deadlines, abandoned, std::chrono::hours(1));
    abandoned.reset();  // an operation abandoned mid-way
    kept->disarm();
    // No work left: run() returns at once rather than ticking for ever (or for one more tick).
    const auto start = Clock::now();
    io.run();
    EXPECT_LT(Clock::now() - start, Deadlines::resolution);
}

TEST(Deadlines, ReArmingSoonerThanItsSlotFiresOnTime) {
    asio::io_context io;
    Deadlines& deadlines = Deadlines::of(io.get_executor());
    auto probe = std::make_shared<Probe>();
    probe->arm(deadlines, probe, std::chrono::hours(1));
    const auto armed = Clock::now();
    probe->arm(deadlines, probe, 100ms);  // a new phase with a shorter timeout
    run_for(io, 400ms);
    expect_fired_once_on_time(*probe, armed, 100ms);
    EXPECT_EQ(deadlines.armed(), 0u);
}

TEST(Deadlines, ExtendingNeverMovesADeadlineSooner) {
    asio::io_context io;
    Deadlines& deadlines = Deadlines::of(io.get_executor());
    auto probe = std::make_shared<Probe>();
    const auto armed = Clock::now();
    probe->arm(deadlines, probe, 300ms);
    probe->extend(10ms);
    run_for(io, 500ms);
    ASSERT_TRUE(probe->expired_at);
    EXPECT_GE(*probe->expired_at - armed, 300ms);
}

TEST(Deadlines, ATickLooksOnlyAtWhatIsDueNotAtEverythingArmed) {
    asio::io_context io;
    Deadlines& deadlines = Deadlines::of(io.get_executor());
    // Ten thousand calls waiting a long time for their model, and one short timeout.
    std::vector<std::shared_ptr<Probe>> waiting;
    for (int i = 0; i < 10'000; ++i) {
        waiting.push_back(std::make_shared<Probe>());
        waiting.back()->arm(deadlines, waiting.back(), std::chrono::minutes(10));
    }
    auto soon = std::make_shared<Probe>();
    soon->arm(deadlines, soon, 60ms);
    run_for(io, 400ms);  // about eight ticks
    EXPECT_EQ(soon->expiries, 1);
    EXPECT_EQ(deadlines.armed(), 10'000u);
    EXPECT_LE(deadlines.examined(), 10u) << "a tick scanned the armed deadlines, not the due ones";
    for (const auto& w : waiting) w->disarm();
    EXPECT_EQ(deadlines.armed(), 0u);
}
