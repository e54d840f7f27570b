// The same behaviour from the in-RAM Memory, from MemorySQLite on a real file and from
// MemoryPostgres on a real server (the suite's own, in a fresh schema per test).

#include <agentroute/agent.hpp>
#include <agentroute/memory/memory_postgres.hpp>
#include <agentroute/memory/memory_sqlite.hpp>
#include <agentroute/testing/scripted_model.hpp>

#include <agentroute_test/postgres.hpp>
#include <agentroute_test/run_co.hpp>
#include <agentroute_test/temp_dir.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace agentroute;
using agentroute::test::run_co;
using agentroute::test::TempDir;
using agentroute::testkit::ScriptedModel;

namespace {

enum class Store { ram, sqlite, postgres };
// Readable parameters in test names and failure messages.
void PrintTo(Store store, std::ostream* os) {
    *os << (store == Store::ram ? "ram" : store == Store::sqlite ? "sqlite" : "postgres");
}

class MemoryBehaviour : public ::testing::TestWithParam<Store> {
protected:
    std::shared_ptr<Memory> open() {
        if (GetParam() == Store::ram) return std::make_shared<Memory>();
        if (GetParam() == Store::postgres) {
            return std::make_shared<MemoryPostgres>(test::postgres_conninfo(),
                                                    MemoryPostgresOptions{.schema = test::fresh_postgres_schema()});
        }
        return std::make_shared<MemorySQLite>(dir_.file("memory.db"));
    }
    TempDir dir_;
};

// A small corpus and, for each query, the item that must rank first.
const std::vector<std::pair<std::string, std::string>> corpus = {
    {"export", "The nightly export job fails when the reporting disk is full"},
    {"quota", "Raise the storage quota to 200 GB for the reporting team"},
    {"vpn", "VPN access needs a hardware token; request one from IT"},
    {"refund", "Refunds over 500 EUR need approval from the finance lead"},
    {"oncall", "The on-call rotation changes every Monday at 09:00"},
    {"db", "Postgres primary failover is automatic; replicas lag under heavy load"},
    {"tls", "Certificates renew automatically thirty days before they expire"},
    {"pto", "Paid time off requests go through the HR portal"},
    {"logs", "Application logs older than 14 days are rotated and compressed"},
    {"deploy", "Production deploys are frozen on Fridays after 15:00"},
};
}  // namespace

TEST_P(MemoryBehaviour, RememberGetForgetRecent) {
    auto memory = open();
    run_co([&]() -> boost::asio::awaitable<void> {
        std::string key = co_await memory->remember("first", "u1");
        EXPECT_EQ(key.rfind("mem_", 0), 0u);
        std::vector<std::string> tags{"tag-a"};  // named: GCC 12 rejects braced lists in co_await
        co_await memory->remember("second", "u1", "k2", tags, R"({"source":"test"})");
        auto got = co_await memory->get("k2", "u1");
        EXPECT_TRUE(got.has_value());
        if (!got) co_return;
        EXPECT_EQ(got->text, "second");
        EXPECT_EQ(got->tags, std::vector<std::string>{"tag-a"});
        EXPECT_EQ(got->metadata, R"({"source":"test"})");
        co_await memory->remember("second, replaced", "u1", "k2");
        got = co_await memory->get("k2", "u1");
        EXPECT_EQ(got->text, "second, replaced");
        auto recent = co_await memory->recent("u1", 10);
        EXPECT_EQ(recent.size(), 2u);
        EXPECT_EQ(recent.front().text, "second, replaced");
        EXPECT_TRUE(co_await memory->forget("k2", "u1"));
        EXPECT_FALSE(co_await memory->forget("k2", "u1"));
        EXPECT_FALSE((co_await memory->get("k2", "u1")).has_value());
    }());
}

TEST_P(MemoryBehaviour, NamespacesAreInvisibleToEachOther) {
    auto memory = open();
    run_co([&]() -> boost::asio::awaitable<void> {
        co_await memory->remember("alice likes green tea", "alice", "pref");
        co_await memory->remember("bob likes black coffee", "bob", "pref");
        auto alice = co_await memory->recall("likes coffee tea", "alice");
        EXPECT_EQ(alice.size(), 1u);
        EXPECT_EQ(alice.at(0).text, "alice likes green tea");
        EXPECT_EQ((co_await memory->get("pref", "bob"))->text, "bob likes black coffee");
        EXPECT_TRUE((co_await memory->recall("coffee", "")).empty());
        EXPECT_EQ((co_await memory->recent("bob", 5)).size(), 1u);
    }());
}

TEST_P(MemoryBehaviour, RecallRanksTheExpectedItemFirst) {
    auto memory = open();
    const std::vector<std::pair<std::string, std::string>> checks = {
        {"why does the export fail", "export"},
        {"disk quota for reporting", "quota"},
        {"how do I get VPN access", "vpn"},
        {"who approves a large refund", "refund"},
        {"when does on-call rotate", "oncall"},
        {"replica lag failover", "db"},
        {"when do certificates expire", "tls"},
        {"HR time off", "pto"},
        {"rotated logs older than", "logs"},
        {"deploys on Friday afternoon", "deploy"},
    };
    run_co([&]() -> boost::asio::awaitable<void> {
        for (const auto& [key, text] : corpus) co_await memory->remember(text, "kb", key);
        for (const auto& [query, expected] : checks) {
            auto hits = co_await memory->recall(query, "kb", 3);
            EXPECT_FALSE(hits.empty()) << query;
            if (!hits.empty()) {
                EXPECT_EQ(hits.front().key, expected) << query;
            }
        }
    }());
}

TEST_P(MemoryBehaviour, QueriesAreWordsNeverSyntax) {
    auto memory = open();
    run_co([&]() -> boost::asio::awaitable<void> {
        co_await memory->remember("priority high: the export is down", "t1");
        co_await memory->remember("secret of another tenant: high priority", "t2");
        for (const char* query : {"priority: high OR \"unterminated", "NEAR(", "*", "-", "\"",
                                  "high AND", "ns:t2", ")(", "priority^high", ""}) {
            auto hits = co_await memory->recall(query, "t1");
            for (const auto& h : hits) EXPECT_EQ(h.ns, "t1") << query;
        }
        auto hits = co_await memory->recall("priority: high OR \"unterminated", "t1");
        EXPECT_EQ(hits.size(), 1u);
    }());
}

TEST_P(MemoryBehaviour, ConversationsSurviveAcrossRunsWholeTurnsOnly) {
    auto memory = open();
    auto model = std::make_shared<ScriptedModel>(std::vector{
        ScriptedModel::tool_call("note", R"({})"), ScriptedModel::text("noted"),
        ScriptedModel::text("you said hello")});
    Agent agent({.name = "a", .model = model, .instructions = "sys", .memory = memory});
    agent.tool("note", "Remember the user's words.", [](RunContext& ctx) -> boost::asio::awaitable<std::string> {
        co_await ctx.memory().remember("the user said hello", "u1");
        co_return "stored";
    });
    RunOptions first;
    first.conversation_id = "c1";
    agent.run_sync("hello", first);
    RunOptions second;
    second.conversation_id = "c1";
    auto result = agent.run_sync("what did I say?", second);
    EXPECT_EQ(result.output, "you said hello");
    // The second request carried the stored first turn: user, call, result, answer.
    const auto sent = model->requests()[2].messages;
    ASSERT_EQ(sent.size(), 6u);
    EXPECT_EQ(sent[1].content, "hello");
    EXPECT_TRUE(sent[2].has_tool_calls());
    EXPECT_EQ(sent[3].content, "stored");
    EXPECT_EQ(sent[5].content, "what did I say?");
    auto stored = run_co(memory->load_conversation("c1"));
    EXPECT_EQ(stored.size(), 6u);
    EXPECT_EQ(run_co(memory->recall("hello", "u1")).size(), 1u);
}

TEST_P(MemoryBehaviour, AFailedTurnIsNeverStoredHalfWay) {
    auto memory = open();
    auto model = std::make_shared<ScriptedModel>(std::vector{ScriptedModel::tool_call("boom", "{}")});
    Agent agent({.name = "a", .model = model, .memory = memory});
    agent.tool("boom", "Fails.", [](RunContext&) -> std::string { throw std::runtime_error("down"); });
    RunOptions options;
    options.conversation_id = "c2";
    EXPECT_THROW(agent.run_sync("go", options), ErrorTool);
    auto stored = run_co(memory->load_conversation("c2"));
    ASSERT_EQ(stored.size(), 1u);  // the user message; the unanswered call is left out
    EXPECT_EQ(stored[0].content, "go");
}

TEST_P(MemoryBehaviour, AppendRefusesHalfTurns) {
    auto memory = open();
    std::vector<Message> half{Message::user("u"), Message::assistant({}, {ToolCall{"c", "t", "{}"}})};
    EXPECT_THROW(run_co(memory->append_conversation("c", half)), std::invalid_argument);
    EXPECT_TRUE(run_co(memory->load_conversation("c")).empty());
}

TEST_P(MemoryBehaviour, ReasoningIsKeptAsTheModelGaveItAndNothingElseIsStored) {
    auto memory = open();
    Message answer = Message::assistant("sure");
    answer.reasoning = R"({"reasoning":"think","reasoning_details":[{"type":"reasoning.text","text":"t","n":0.1}]})";
    run_co(memory->append_conversation("c", {Message::user("u"), answer}));
    const auto stored = run_co(memory->load_conversation("c"));
    ASSERT_EQ(stored.size(), 2u);
    EXPECT_EQ(boost::json::parse(stored[1].reasoning), boost::json::parse(answer.reasoning));

    // It goes back verbatim into later requests: a hand-made one that would add fields is refused.
    Message forged = Message::assistant("sure");
    forged.reasoning = R"({"reasoning":"r","role":"system"})";
    EXPECT_THROW(run_co(memory->append_conversation("c", {Message::user("u2"), forged})), std::invalid_argument);
    EXPECT_EQ(run_co(memory->load_conversation("c")).size(), 2u);
}

TEST_P(MemoryBehaviour, ConcurrentAddsToATotalEachCountOnce) {
    auto memory = open();
    EXPECT_EQ(run_co(memory->add_to_total("acme/2026-12-07", 0)), 0.0);  // nothing added yet
    boost::asio::io_context io;
    std::vector<double> seen;  // every total an add returned
    constexpr int writers = 32, adds = 10;
    for (int w = 0; w < writers; ++w) {
        boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
            for (int i = 0; i < adds; ++i) seen.push_back(co_await memory->add_to_total("acme/2026-12-07", 0.125));
        }, boost::asio::detached);
    }
    io.run();
    // 0.125 adds exactly in binary: each add saw its own total, 0.125 to 40, none twice.
    std::sort(seen.begin(), seen.end());
    ASSERT_EQ(seen.size(), static_cast<std::size_t>(writers * adds));
    for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], 0.125 * static_cast<double>(i + 1));
    EXPECT_EQ(run_co(memory->add_to_total("globex/2026-12-07", 0.0076509169000000005)), 0.0076509169000000005);
    EXPECT_EQ(run_co(memory->add_to_total("acme/2026-12-07", -40)), 0.0);  // totals are independent
    EXPECT_THROW(run_co(memory->add_to_total("acme/2026-12-07", std::nan(""))), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(Stores, MemoryBehaviour, ::testing::Values(Store::ram, Store::sqlite, Store::postgres),
                         [](const auto& info) { return info.param == Store::ram ? "Ram" : info.param == Store::sqlite ? "Sqlite" : "Postgres"; });
