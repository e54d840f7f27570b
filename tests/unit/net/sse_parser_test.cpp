#include "sse_parser.hpp"

#include <gtest/gtest.h>

#include <random>

using agentroute::net::detail::SseParser;

namespace {

struct Collect : SseParser::Handler {
    std::vector<std::string> events, comments;
    bool on_event(std::string_view data) override {
        events.emplace_back(data);
        return data != "[DONE]";
    }
    void on_comment(std::string_view text) override { comments.emplace_back(text); }
};

const std::string stream =
    ": OPENROUTER PROCESSING\r\n\r\n"
    "data: {\"a\":1}\n\n"
    ": OPENROUTER PROCESSING\n\n"
    "data: line one\r\ndata: line two\r\n\r\n"
    "event: ignored\nid: 7\ndata:no-space\n\n"
    "data: [DONE]\n\n"
    "data: after done\n\n";

void check(const Collect& c) {
    ASSERT_EQ(c.events.size(), 4u);
    EXPECT_EQ(c.events[0], "{\"a\":1}");
    EXPECT_EQ(c.events[1], "line one\nline two");
    EXPECT_EQ(c.events[2], "no-space");
    EXPECT_EQ(c.events[3], "[DONE]");
    EXPECT_EQ(c.comments, (std::vector<std::string>{" OPENROUTER PROCESSING", " OPENROUTER PROCESSING"}));
}

}  // namespace

TEST(SseParser, ParsesAWholeStream) {
    SseParser parser;
    Collect c;
    EXPECT_FALSE(parser.feed(stream, c));  // stopped at [DONE]
    check(c);
}

TEST(SseParser, ParsesByteByByte) {
    SseParser parser;
    Collect c;
    for (char ch : stream) {
        if (!parser.feed(std::string_view(&ch, 1), c)) break;
    }
    check(c);
}

TEST(SseParser, ParsesAtRandomSplits) {
    std::mt19937 rng(42);
    for (int round = 0; round < 500; ++round) {
        SseParser parser;
        Collect c;
        std::size_t at = 0;
        while (at < stream.size()) {
            const std::size_t n = std::uniform_int_distribution<std::size_t>(1, 17)(rng);
            if (!parser.feed(std::string_view(stream).substr(at, n), c)) break;
            at += n;
        }
        check(c);
        if (HasFailure()) return;
    }
}

TEST(SseParser, CrSplitFromLfAcrossFeeds) {
    SseParser parser;
    Collect c;
    parser.feed("data: x\r", c);
    parser.feed("\n\r", c);
    parser.feed("\n", c);
    ASSERT_EQ(c.events.size(), 1u);
    EXPECT_EQ(c.events[0], "x");
    EXPECT_TRUE(parser.idle());
}

TEST(SseParser, PendingDataIsNotAnEvent) {
    SseParser parser;
    Collect c;
    parser.feed("data: {\"partial\":", c);
    EXPECT_TRUE(c.events.empty());
    EXPECT_FALSE(parser.idle());
}

// A bare CR ends a line too (the SSE grammar allows CR, LF and CRLF), also when an LF comes
// later in the same read.
TEST(SseParser, BareCrEndsALine) {
    const std::string mixed = "data: a\rdata: b\r\rdata: c\r\r: note\rdata: d\n\ndata: e\r\n\r\n";
    const std::vector<std::string> expected{"a\nb", "c", "d", "e"};
    {
        SseParser parser;
        Collect c;
        parser.feed(mixed, c);
        EXPECT_EQ(c.events, expected);
        EXPECT_EQ(c.comments, std::vector<std::string>{" note"});
        EXPECT_TRUE(parser.idle());
    }
    std::mt19937 rng(7);
    for (int round = 0; round < 200; ++round) {
        SseParser parser;
        Collect c;
        for (std::size_t at = 0; at < mixed.size();) {
            const std::size_t n = std::uniform_int_distribution<std::size_t>(1, 9)(rng);
            parser.feed(std::string_view(mixed).substr(at, n), c);
            at += n;
        }
        EXPECT_EQ(c.events, expected) << "round " << round;
        if (HasFailure()) return;
    }
}
