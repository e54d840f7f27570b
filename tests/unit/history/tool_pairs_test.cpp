#include <agentroute/history/tool_pairs.hpp>

#include <gtest/gtest.h>

using namespace agentroute;

namespace {

Message calls(std::vector<std::string> ids) {
    std::vector<ToolCall> c;
    for (auto& id : ids) c.push_back(ToolCall{id, "t", "{}"});
    return Message::assistant({}, std::move(c));
}
Message result(const std::string& id) { return Message::tool_result(id, "t", "r" + id); }

}  // namespace

TEST(ToolPairs, IntactConversationIsUnchanged) {
    std::vector<Message> m{Message::system("s"), Message::user("u"), calls({"a", "b"}),
                           result("b"), result("a"), Message::assistant("done")};
    EXPECT_TRUE(tool_pairs_intact(m));
    EXPECT_EQ(repair_tool_pairs(m), m);
}

TEST(ToolPairs, UnansweredCallGetsAnInterruptedResult) {
    std::vector<Message> m{Message::user("u"), calls({"a", "b"}), result("a")};
    EXPECT_FALSE(tool_pairs_intact(m));
    auto fixed = repair_tool_pairs(m);
    ASSERT_EQ(fixed.size(), 4u);
    EXPECT_EQ(fixed[3].tool_call_id, "b");
    EXPECT_EQ(fixed[3].content, interrupted_tool_result);
    EXPECT_TRUE(tool_pairs_intact(fixed));
    EXPECT_EQ(repair_tool_pairs(fixed), fixed);  // idempotent
}

TEST(ToolPairs, OrphanAndDuplicateResultsAreDropped) {
    std::vector<Message> m{Message::user("u"), result("x"), calls({"a"}), result("a"),
                           result("a"), Message::user("later"), result("a")};
    auto fixed = repair_tool_pairs(m);
    ASSERT_EQ(fixed.size(), 4u);
    EXPECT_EQ(fixed[1].tool_calls[0].id, "a");
    EXPECT_EQ(fixed[2].content, "ra");
    EXPECT_EQ(fixed[3].content, "later");
    EXPECT_TRUE(tool_pairs_intact(fixed));
}
