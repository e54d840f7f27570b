#include <agentroute/detail/describe_json.hpp>
#include <agentroute/json_schema.hpp>

#include <gtest/gtest.h>

using namespace agentroute;
using agentroute::detail::from_json;
using agentroute::detail::SchemaMismatch;

namespace {

enum class Priority { low, medium, high };
BOOST_DESCRIBE_ENUM(Priority, low, medium, high)

struct Item {
    std::string name;
    Priority priority;
};
BOOST_DESCRIBE_STRUCT(Item, (), (name, priority))

struct Order {
    std::vector<Item> items;
    std::optional<bool> rush;
    std::uint8_t copies;
};
BOOST_DESCRIBE_STRUCT(Order, (), (items, rush, copies))

std::string mismatch(const char* json) {
    try {
        from_json<Order>(boost::json::parse(json));
    } catch (const SchemaMismatch& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(DescribeJson, NestedSchema) {
    EXPECT_EQ(json_schema<Order>(),
              R"({"type":"object","properties":{"items":{"type":"array","items":{"type":"object",)"
              R"("properties":{"name":{"type":"string"},"priority":{"type":"string","enum":["low",)"
              R"("medium","high"]}},"required":["name","priority"],"additionalProperties":false}},)"
              R"("rush":{"type":"boolean"},"copies":{"type":"integer"}},"required":["items",)"
              R"("copies"],"additionalProperties":false})");
}

TEST(DescribeJson, ParsesValidInput) {
    Order o = from_json<Order>(boost::json::parse(
        R"({"items":[{"name":"a","priority":"high"}],"copies":2.0})"));
    ASSERT_EQ(o.items.size(), 1u);
    EXPECT_EQ(o.items[0].priority, Priority::high);
    EXPECT_FALSE(o.rush.has_value());
    EXPECT_EQ(o.copies, 2);
}

TEST(DescribeJson, ErrorsNameThePath) {
    EXPECT_EQ(mismatch(R"({"items":[{"name":"a","priority":"urgent"}],"copies":1})"),
              "items[0].priority: expected one of: low, medium, high");
    EXPECT_EQ(mismatch(R"({"items":[],"copies":300})"), "copies: integer out of range");
    EXPECT_EQ(mismatch(R"({"items":[],"copies":1.5})"), "copies: expected an integer");
    EXPECT_EQ(mismatch(R"({"items":[]})"), "copies: required field is missing");
    EXPECT_EQ(mismatch(R"({"items":[],"copies":1,"extra":true})"), "extra: unknown field");
    EXPECT_EQ(mismatch(R"([1])"), "value: expected an object");
}

TEST(DescribeJson, RoundTrips) {
    Order o{{{"a", Priority::low}}, true, 3};
    Order back = from_json<Order>(detail::to_json(o));
    EXPECT_EQ(back.items[0].name, "a");
    EXPECT_EQ(back.rush, true);
    EXPECT_EQ(back.copies, 3);
}
