#include "partial_json.hpp"

#include <gtest/gtest.h>

using agentroute::detail::complete_members;
using agentroute::detail::PartialOutput;

TEST(PartialJson, OnlyMembersFollowedByACommaOrTheEndAreComplete) {
    EXPECT_EQ(complete_members(R"({"a":1,"b":"tw)"), R"({"a":1})");
    EXPECT_EQ(complete_members(R"({"a":1,"b":2)"), R"({"a":1})");  // 2 may go on: 21
    EXPECT_EQ(complete_members(R"({"a":1,"b":2})"), R"({"a":1,"b":2})");
    EXPECT_FALSE(complete_members(R"({"a":1)"));
    EXPECT_FALSE(complete_members(""));
    EXPECT_FALSE(complete_members("Sure, here it is"));
}

TEST(PartialJson, BracketsAndCommasInsideStringsAreText) {
    EXPECT_EQ(complete_members(R"({"a":"x, {y}] \"q,\" z","b":[1,)"), R"({"a":"x, {y}] \"q,\" z"})");
    EXPECT_EQ(complete_members(R"({"a":"\\","b":1,)"), R"({"a":"\\","b":1})");
}

TEST(PartialJson, NestedValuesCountOnlyWhenWhole) {
    EXPECT_EQ(complete_members(R"({"a":{"x":1,"y":2},"b":[1,2)"), R"({"a":{"x":1,"y":2}})");
    EXPECT_FALSE(complete_members(R"({"a":{"x":1,"y":2)"));
}

TEST(PartialJson, APreambleBeforeTheObjectIsSkipped) {
    EXPECT_EQ(complete_members("```json\n{\"a\": 1, \"b"), R"({"a":1})");
}

TEST(PartialJson, MalformedTextGivesNothingRatherThanGarbage) {
    EXPECT_FALSE(complete_members(R"({"a":tru,"b":1})"));
    EXPECT_FALSE(complete_members(R"({]]],)"));
    // The object ends where it closes; what follows is for the final parse to judge.
    EXPECT_EQ(complete_members(R"({"a":1}} trailing)"), R"({"a":1})");
}

TEST(PartialJson, TheFollowerReportsOnlyChanges) {
    PartialOutput partial;
    EXPECT_FALSE(partial.feed(R"({"a")"));
    EXPECT_EQ(partial.feed(R"(:1,)"), R"({"a":1})");
    EXPECT_FALSE(partial.feed(R"( "b":[1,)"));  // no new member: no event
    EXPECT_EQ(partial.feed(R"(2]})"), R"({"a":1,"b":[1,2]})");
}

TEST(PartialJson, ANumberPastADoublesRangeIsNeverWrittenAsInfinity) {
    // Found by fuzz/partial_json.cpp: Boost.JSON reads it as -inf and would write `-Infinity`.
    EXPECT_EQ(complete_members(R"({"me":"John","age":-1e30930})"), std::nullopt);
    EXPECT_EQ(complete_members(R"({"me":"John", "age":-1e30930)"), R"({"me":"John"})");
}
