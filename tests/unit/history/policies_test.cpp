#include <agentroute/history/sliding_window.hpp>
#include <agentroute/history/summarize.hpp>
#include <agentroute/history/tool_pairs.hpp>
#include <agentroute/history/truncate.hpp>
#include <agentroute/testing/function_model.hpp>

#include <agentroute_test/run_co.hpp>
#include <agentroute_test/sanitizers.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

using namespace agentroute;
using agentroute::test::run_co;

namespace {

// Random conversations: text turns, single and parallel tool calls, interrupted turns (missing
// results), orphan results.
std::vector<Message> random_conversation(std::mt19937& rng, int turns) {
    std::uniform_int_distribution<int> pct(0, 99);
    std::vector<Message> m{Message::system("instructions")};
    int id = 0;
    for (int t = 0; t < turns; ++t) {
        m.push_back(Message::user("question " + std::to_string(t) + std::string(pct(rng), 'q')));
        const int rounds = pct(rng) % 3;
        for (int r = 0; r < rounds; ++r) {
            std::vector<ToolCall> calls;
            const int n = 1 + pct(rng) % 3;
            for (int c = 0; c < n; ++c) {
                calls.push_back(ToolCall{"id" + std::to_string(id++), "tool", "{}"});
            }
            m.push_back(Message::assistant({}, calls));
            for (const ToolCall& c : calls) {
                if (pct(rng) < 10) continue;  // interrupted: result missing
                m.push_back(Message::tool_result(c.id, "tool", std::string(pct(rng), 'r')));
            }
            if (pct(rng) < 5) m.push_back(Message::tool_result("orphan" + std::to_string(id++), "tool", "x"));
        }
        if (pct(rng) < 85) m.push_back(Message::assistant("answer " + std::to_string(t)));
    }
    return m;
}

bool synthesized(const Message& m) {
    return (m.role == Role::tool && m.content == interrupted_tool_result) ||
           (m.role == Role::system && m.content.rfind("[Summary", 0) == 0);
}

void check_invariants(const std::vector<Message>& in, const std::vector<Message>& out) {
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out.front(), in.front()) << "instructions kept";
    const auto latest_user = std::find_if(in.rbegin(), in.rend(),
                                          [](const Message& m) { return m.role == Role::user; });
    EXPECT_NE(std::find(out.begin(), out.end(), *latest_user), out.end()) << "latest user kept";
    EXPECT_TRUE(tool_pairs_intact(out)) << "no orphan call or result";
    // Order preserved: the original messages in the output form a subsequence of the input.
    auto it = in.begin();
    for (const Message& m : out) {
        if (synthesized(m)) continue;
        it = std::find(it, in.end(), m);
        ASSERT_NE(it, in.end()) << "order preserved";
        ++it;
    }
}

std::size_t non_system(const std::vector<Message>& m) {
    return std::count_if(m.begin(), m.end(), [](const Message& x) { return x.role != Role::system; });
}

std::shared_ptr<agentroute::testkit::FunctionModel> summarizer() {
    return std::make_shared<agentroute::testkit::FunctionModel>([](const ModelRequest& r) {
        ModelResponse response;
        response.message = Message::assistant("summary of " +
                                              std::to_string(r.messages.back().content.size()) + " chars");
        response.usage = Usage{10, 5, 0.001, 1};
        return response;
    });
}

}  // namespace

TEST(HistoryPolicies, DefaultsMatchTheSpec) {
    EXPECT_EQ(HistorySlidingWindow().window_size(), 20u);
    EXPECT_EQ(HistoryTruncate().max_tokens(), 100'000u);
    EXPECT_EQ(HistorySummarize(summarizer()).keep_recent(), 4u);
}

TEST(HistoryPolicies, SummarizeWithoutAModelIsARuntimeError) {
    EXPECT_THROW(HistorySummarize(nullptr), std::runtime_error);
}

TEST(HistoryPolicies, RandomConversationsKeepEveryInvariant) {
    std::mt19937 rng(20261127);
    run_co([&]() -> boost::asio::awaitable<void> {
        for (int round = 0; round < 1500; ++round) {
            std::uniform_int_distribution<int> turns(1, 40), size(1, 30);
            const auto conversation = random_conversation(rng, turns(rng));
            const std::size_t window = size(rng);
            HistorySlidingWindow sliding(window);
            HistoryTruncate truncate(window * 40);
            HistorySummarize summarize(summarizer(), 1 + window % 6);
            for (HistoryPolicy* policy : std::initializer_list<HistoryPolicy*>{&sliding, &truncate, &summarize}) {
                Usage spent;
                auto out = co_await policy->apply(conversation, spent);
                check_invariants(conversation, out);
                if (::testing::Test::HasFailure()) co_return;
                auto again = co_await policy->apply(out, spent);
                check_invariants(out, again);
            }
        }
    }());
}

TEST(HistoryPolicies, SlidingWindowKeepsTheMostRecentWholeTurns) {
    std::vector<Message> m{Message::system("s"),         Message::user("u1"),
                           Message::assistant("a1"),     Message::user("u2"),
                           Message::assistant({}, {ToolCall{"c", "t", "{}"}}),
                           Message::tool_result("c", "t", "r"), Message::assistant("a2")};
    Usage spent;
    auto out = run_co(HistorySlidingWindow(4).apply(m, spent));
    // u2 + (call, result) + a2 = 4 messages; the window starts at a user message.
    ASSERT_EQ(out.size(), 5u);
    EXPECT_EQ(out[1].content, "u2");
    auto three = run_co(HistorySlidingWindow(3).apply(m, spent));
    // The call and its result are never split: u2 and a2 fit, the pair does not... but the
    // window is contiguous from the newest, so only the latest user message and a2 remain.
    EXPECT_TRUE(tool_pairs_intact(three));
    EXPECT_EQ(three[1].content, "u2");
}

TEST(HistoryPolicies, TruncateStaysUnderTheTokenBudget) {
    std::vector<Message> m{Message::system("s")};
    for (int i = 0; i < 100; ++i) {
        m.push_back(Message::user(std::string(400, 'u')));  // ~104 tokens each
        m.push_back(Message::assistant(std::string(400, 'a')));
    }
    Usage spent;
    auto out = run_co(HistoryTruncate(1000).apply(m, spent));
    std::size_t chars = 0;
    for (auto& x : out) chars += x.content.size();
    EXPECT_LE(chars / 4, 1000u);
    EXPECT_GE(out.size(), 8u);
    EXPECT_EQ(out.back(), m.back());
}

TEST(HistoryPolicies, LongConversationsStayBoundedAndSummariesAreReused) {
    constexpr int turns = agentroute::test::sanitized ? 600 : 2000;
    auto model = summarizer();
    HistorySlidingWindow sliding(20);
    HistoryTruncate truncate(2000);
    HistorySummarize summarize(model, 4);
    run_co([&]() -> boost::asio::awaitable<void> {
        // Largest request (non-system messages) each policy may send here.
        const std::pair<HistoryPolicy*, std::size_t> cases[] = {
            {&sliding, 20}, {&truncate, 2000 / 11}, {&summarize, 2 * 4 + 4}};
        for (auto [policy, bound] : cases) {
            std::vector<Message> conversation{Message::system("s")};
            std::size_t largest = 0;
            Usage spent;
            for (int t = 0; t < turns; ++t) {
                conversation.push_back(Message::user("turn " + std::to_string(t)));
                conversation.push_back(Message::assistant({}, {ToolCall{"c" + std::to_string(t), "t", "{}"}}));
                conversation.push_back(Message::tool_result("c" + std::to_string(t), "t", std::string(100, 'r')));
                auto sent = co_await policy->apply(conversation, spent);
                largest = std::max(largest, non_system(sent));
                conversation.push_back(Message::assistant("answer " + std::to_string(t)));
            }
            EXPECT_LE(largest, bound);
        }
    }(), std::chrono::minutes(10));
    // 4 messages a turn; a new summary only once more than 2 * keep_recent stand unsummarized,
    // so about one summary per keep_recent messages: O(turns / keep_recent), not one a turn.
    const std::size_t messages = turns * 4;
    EXPECT_LE(summarize.summaries_made(), messages / 4);
    EXPECT_GE(summarize.summaries_made(), messages / (2 * 4 + 4));
}

TEST(HistoryPolicies, SummaryUsageIsReported) {
    HistorySummarize summarize(summarizer(), 2);
    std::vector<Message> m{Message::system("s")};
    for (int i = 0; i < 10; ++i) {
        m.push_back(Message::user("u" + std::to_string(i)));
        m.push_back(Message::assistant("a" + std::to_string(i)));
    }
    Usage spent;
    auto out = run_co(summarize.apply(m, spent));
    EXPECT_EQ(spent.model_calls, 1);
    EXPECT_EQ(out[1].content.rfind("[Summary of the earlier conversation]", 0), 0u);
    Usage again;
    run_co(summarize.apply(m, again));
    EXPECT_EQ(again.model_calls, 0);  // same prefix: reused
}
