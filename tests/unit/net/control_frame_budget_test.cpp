// The HTTP/2 client's cap on SETTINGS and PING frames: a handful is normal, a flood is not.

#include "control_frame_budget.hpp"

#include <gtest/gtest.h>

using agentroute::net::detail::ControlFrameBudget;
using namespace std::chrono_literals;

TEST(ControlFrameBudget, AllowsTheCapPerSecondAndNoMore) {
    ControlFrameBudget budget;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::uint32_t i = 0; i < ControlFrameBudget::max_per_second; ++i) EXPECT_FALSE(budget.flooded(t0 + 1ms));
    EXPECT_TRUE(budget.flooded(t0 + 2ms));
}

TEST(ControlFrameBudget, ASteadyTrickleNeverFloods) {
    ControlFrameBudget budget;
    auto t = std::chrono::steady_clock::now();
    for (int i = 0; i < 10'000; ++i, t += 10ms) EXPECT_FALSE(budget.flooded(t)) << i;  // 100 a second
}
