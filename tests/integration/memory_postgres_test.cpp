// MemoryPostgres against real PostgreSQL servers: concurrency across pools (as across
// processes), hostile queries, and every fault a deployment meets, each a typed error within
// a bound with nothing acknowledged lost.

#include <agentroute/errors.hpp>
#include <agentroute/memory/memory_postgres.hpp>

#include <agentroute_test/postgres.hpp>
#include <agentroute_test/run_co.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <regex>
#include <set>
#include <thread>

using namespace agentroute;
using namespace std::chrono_literals;
using agentroute::test::expect_error;
using agentroute::test::run_co;

namespace {

/// A plain blocking libpq session of the test's own (holding locks, editing the schema).
class Session {
public:
    explicit Session(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
        if (PQstatus(conn_) != CONNECTION_OK) ADD_FAILURE() << PQerrorMessage(conn_);
    }
    ~Session() { PQfinish(conn_); }
    std::string exec(const std::string& sql) {
        PGresult* r = PQexec(conn_, sql.c_str());
        const auto status = PQresultStatus(r);
        std::string first = status == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) ADD_FAILURE() << sql << ": " << PQerrorMessage(conn_);
        PQclear(r);
        return first;
    }

private:
    PGconn* conn_;
};

MemoryPostgresOptions in_schema(const std::string& schema) {
    MemoryPostgresOptions o;
    o.schema = schema;
    return o;
}

std::vector<Message> turn(int i) {
    return {Message::user("question " + std::to_string(i)), Message::assistant("answer " + std::to_string(i))};
}

// Every stored message pairs with its turn's other half, each turn once; returns the turns.
std::set<int> whole_turns(const std::vector<Message>& stored) {
    std::set<int> turns;
    EXPECT_EQ(stored.size() % 2, 0u);
    for (std::size_t k = 0; k + 1 < stored.size(); k += 2) {
        const std::string q = stored[k].content, a = stored[k + 1].content;
        EXPECT_EQ(q.rfind("question ", 0), 0u) << q;
        EXPECT_EQ(a.rfind("answer ", 0), 0u) << a;
        const int i = std::stoi(q.substr(9));
        EXPECT_EQ(std::stoi(a.substr(7)), i) << "a turn interleaved with another";
        EXPECT_TRUE(turns.insert(i).second) << "turn " << i << " stored twice";
    }
    return turns;
}

std::string with_password(const std::string& conninfo, const std::string& password) {
    return std::regex_replace(conninfo, std::regex("password=\\S+"), "password=" + password);
}

std::string with_port(const std::string& conninfo, int port) {
    return std::regex_replace(conninfo, std::regex("port=\\d+"), "port=" + std::to_string(port));
}

}  // namespace

TEST(MemoryPostgres, ConcurrentAppendsFromTwoPoolsSerializeWholeTurns) {
    const std::string schema = test::fresh_postgres_schema();
    // Two stores: two pools, as two processes would have.
    MemoryPostgres a(test::postgres_conninfo(), in_schema(schema));
    MemoryPostgres b(test::postgres_conninfo(), in_schema(schema));
    boost::asio::io_context io;
    constexpr int turns = 200;
    std::atomic<int> acknowledged{0};
    for (int i = 0; i < turns; ++i) {
        boost::asio::co_spawn(io, [&, i]() -> boost::asio::awaitable<void> {
            co_await (i % 2 ? a : b).append_conversation("shared", turn(i));
            ++acknowledged;
        }, boost::asio::detached);
    }
    std::thread second([&] { io.run(); });
    io.run();
    second.join();
    EXPECT_EQ(acknowledged, turns);
    EXPECT_EQ(whole_turns(run_co(a.load_conversation("shared"))).size(), static_cast<std::size_t>(turns));
}

TEST(MemoryPostgres, HostileQueriesAreWordsNeverSyntax) {
    MemoryPostgres memory(test::postgres_conninfo(), in_schema(test::fresh_postgres_schema()));
    run_co(memory.remember("Refunds over 500 EUR need approval from the finance lead", "t", "refund"));
    run_co(memory.remember("The VPN needs a hardware token", "t", "vpn"));
    const std::vector<std::string> queries{"refund' OR 1=1 --", "refund & !vpn", "refund | vpn", "refund:*", "refund <-> approval",
                                "!!!", "'", "\\", "(refund", "refund)", "\"refund\"", "refund:A", "&|!():*<->",
                                std::string("refund \xff\xfe\xc0\x80 approval"), std::string("ref\0und", 7)};
    for (const std::string& q : queries) {
        std::vector<MemoryRecord> hits;
        EXPECT_NO_THROW(hits = run_co(memory.recall(q, "t"))) << q;
        if (q.find("refund") != std::string::npos && q.find("ref\0und", 0, 7) == std::string::npos) {
            const bool found = std::any_of(hits.begin(), hits.end(), [](const MemoryRecord& r) { return r.key == "refund"; });
            EXPECT_TRUE(found) << q;
        }
    }
    std::string long_query;
    while (long_query.size() <= Memory::max_recall_query_bytes) long_query += "refund ";
    expect_error<ErrorRecallQuery>([&] { run_co(memory.recall(long_query, "t")); });
    // Stored text is stored as it is: operators in it are text.
    run_co(memory.remember("a & b | !c <-> d:*", "t", "ops"));
    EXPECT_EQ(run_co(memory.get("ops", "t"))->text, "a & b | !c <-> d:*");
}

TEST(MemoryPostgres, TextPostgresCannotHoldIsAClearErrorAndStoresNothing) {
    MemoryPostgres memory(test::postgres_conninfo(), in_schema(test::fresh_postgres_schema()));
    const auto nul = expect_error<ErrorMemory>([&] { run_co(memory.remember(std::string("a\0b", 3), "t", "k")); });
    EXPECT_NE(std::string(nul.what()).find("NUL byte"), std::string::npos) << nul.what();
    const auto utf8 = expect_error<ErrorMemory>([&] { run_co(memory.remember("caf\xe9", "t", "k")); });
    EXPECT_EQ(utf8.sqlstate(), "22021") << utf8.what();
    EXPECT_FALSE(run_co(memory.get("k", "t")).has_value());
    run_co(memory.remember("still fine", "t", "k"));  // the connection goes on
    EXPECT_EQ(run_co(memory.get("k", "t"))->text, "still fine");
}

TEST(MemoryPostgres, ARefusedConnectionIsATypedErrorWithinABound) {
    boost::asio::io_context io;
    int port = 0;
    {
        boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
        port = probe.local_endpoint().port();
    }  // closed: nothing listens there now
    const auto start = std::chrono::steady_clock::now();
    const auto e = expect_error<ErrorMemory>([&] { MemoryPostgres m(with_port(test::postgres_conninfo(), port)); });
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    EXPECT_EQ(e.sqlstate(), "08001");
    EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
}

TEST(MemoryPostgres, AWrongPasswordIsATypedErrorThatNamesNoSecret) {
    const auto e = expect_error<ErrorMemory>(
        [&] { MemoryPostgres m(with_password(test::postgres_conninfo(), "not-the-password")); });
    EXPECT_NE(std::string(e.what()).find("password authentication failed"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("not-the-password"), std::string::npos) << e.what();
}

TEST(MemoryPostgres, AServerThatNeverAnswersIsATimeoutNotAHang) {
    // A listener that accepts and says nothing: the start-up message waits forever.
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    const int port = silent.local_endpoint().port();
    MemoryPostgresOptions options;
    options.connect_timeout = 1000ms;
    const auto start = std::chrono::steady_clock::now();
    const auto e = expect_error<ErrorMemory>([&] { MemoryPostgres m(with_port(test::postgres_conninfo(), port), options); });
    EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);  // libpq's connect_timeout counts whole seconds, at least 2
    EXPECT_EQ(e.sqlstate(), "08001") << e.what();
}

TEST(MemoryPostgres, AStatementTimeoutIsTypedAndTheStoreGoesOn) {
    const std::string schema = test::fresh_postgres_schema();
    MemoryPostgresOptions options = in_schema(schema);
    options.statement_timeout = 300ms;
    MemoryPostgres memory(test::postgres_conninfo(), options);
    Session holder(test::postgres_conninfo());
    holder.exec("BEGIN; LOCK TABLE \"" + schema + "\".memories IN ACCESS EXCLUSIVE MODE");
    const auto start = std::chrono::steady_clock::now();
    const auto e = expect_error<ErrorMemory>([&] { run_co(memory.remember("blocked", "t", "k")); });
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    EXPECT_EQ(e.sqlstate(), "57014") << e.what();
    EXPECT_NE(std::string(e.what()).find("statement_timeout"), std::string::npos) << e.what();
    holder.exec("COMMIT");
    run_co(memory.remember("unblocked", "t", "k"));
    EXPECT_EQ(run_co(memory.get("k", "t"))->text, "unblocked");
}

TEST(MemoryPostgres, AnExhaustedPoolIsTypedWithinItsWait) {
    const std::string schema = test::fresh_postgres_schema();
    MemoryPostgresOptions options = in_schema(schema);
    options.pool_size = 1;
    options.pool_wait = 200ms;
    options.statement_timeout = 5000ms;
    MemoryPostgres memory(test::postgres_conninfo(), options);
    Session holder(test::postgres_conninfo());
    holder.exec("BEGIN; LOCK TABLE \"" + schema + "\".memories IN ACCESS EXCLUSIVE MODE");
    boost::asio::io_context io;
    bool first_stored = false;
    std::string second_error, second_state;
    std::chrono::steady_clock::duration second_took{};
    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
        co_await memory.remember("holds the only connection", "t", "first");
        first_stored = true;
    }, boost::asio::detached);
    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
        const auto start = std::chrono::steady_clock::now();
        try {
            co_await memory.get("first", "t");
        } catch (const ErrorMemory& e) {
            second_error = e.what();
            second_state = e.sqlstate();
        }
        second_took = std::chrono::steady_clock::now() - start;
        holder.exec("COMMIT");  // now the first may finish
    }, boost::asio::detached);
    io.run_for(10s);
    EXPECT_NE(second_error.find("pool exhausted"), std::string::npos) << second_error;
    EXPECT_EQ(second_state, "53300");
    EXPECT_LT(second_took, 1500ms);
    EXPECT_TRUE(first_stored);
}

TEST(MemoryPostgres, ARestartedServerIsReconnectedAndNothingAcknowledgedIsLost) {
    test::PostgresServer server;
    MemoryPostgres memory(server.conninfo());
    run_co(memory.remember("before the restart", "t", "k"));
    run_co(memory.append_conversation("c", turn(0)));
    server.restart();  // every session cut: the pool's idle connection is dead
    EXPECT_EQ(run_co(memory.get("k", "t"))->text, "before the restart");
    run_co(memory.append_conversation("c", turn(1)));
    EXPECT_EQ(whole_turns(run_co(memory.load_conversation("c"))), (std::set<int>{0, 1}));
}

TEST(MemoryPostgres, RestartsMidAppendNeverStoreHalfATurnNorLoseAnAcknowledgedOne) {
    test::PostgresServer server;
    MemoryPostgresOptions options;
    options.pool_size = 4;
    options.reconnect_backoff = 20ms;
    MemoryPostgres memory(server.conninfo(), options);
    boost::asio::io_context io;
    std::set<int> acknowledged;
    std::atomic<int> acknowledged_count{0};
    std::map<std::string, int> failures;
    std::atomic<bool> writing{true};
    for (int w = 0; w < 8; ++w) {
        boost::asio::co_spawn(io, [&, w]() -> boost::asio::awaitable<void> {
            for (int i = w; writing; i += 8) {
                bool ok = true;
                try {
                    co_await memory.append_conversation("c", turn(i));
                } catch (const ErrorMemory& e) {
                    ok = false;
                    ++failures[e.sqlstate()];
                }
                if (ok) {
                    acknowledged.insert(i);
                    ++acknowledged_count;
                }
            }
        }, boost::asio::detached);
    }
    // Counted, not timed: a slow machine (a sanitizer build under load) writes fewer in a while.
    const auto wait_for_acknowledged = [&](int count) {
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (acknowledged_count < count && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
        return acknowledged_count.load();
    };
    std::thread io_thread([&] { io.run(); });
    const int before_restart = wait_for_acknowledged(16);
    server.restart();
    const int after_restart = wait_for_acknowledged(before_restart + 16);
    writing = false;
    io_thread.join();
    const std::set<int> stored = whole_turns(run_co(memory.load_conversation("c")));
    for (int i : acknowledged) EXPECT_TRUE(stored.count(i)) << "acknowledged turn " << i << " lost";
    EXPECT_GE(before_restart, 16);
    EXPECT_GE(after_restart, before_restart + 16) << "appends did not resume after the restart";
    std::cout << "acknowledged " << acknowledged.size() << ", stored " << stored.size() << ", failed " << failures.size()
              << " kinds\n";
}

TEST(MemoryPostgres, ANewerSchemaIsRefused) {
    const std::string schema = test::fresh_postgres_schema();
    { MemoryPostgres first(test::postgres_conninfo(), in_schema(schema)); }
    Session(test::postgres_conninfo()).exec("UPDATE \"" + schema + "\".schema_version SET version = 99");
    const auto e = expect_error<ErrorMemory>([&] { MemoryPostgres m(test::postgres_conninfo(), in_schema(schema)); });
    EXPECT_NE(std::string(e.what()).find("newer than this build"), std::string::npos) << e.what();
}

TEST(MemoryPostgres, StoresStartingAtOnceMigrateOnce) {
    const std::string schema = test::fresh_postgres_schema();
    std::atomic<int> opened{0};
    std::vector<std::thread> starts;
    for (int i = 0; i < 8; ++i) {
        starts.emplace_back([&] {
            try {
                MemoryPostgres m(test::postgres_conninfo(), in_schema(schema));
                ++opened;
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
            }
        });
    }
    for (auto& t : starts) t.join();
    EXPECT_EQ(opened, 8);
    Session s(test::postgres_conninfo());
    // One row, at the newest version (2: running totals).
    EXPECT_EQ(s.exec("SELECT count(*) || ':' || max(version) FROM \"" + schema + "\".schema_version"), "1:2");
}

TEST(MemoryPostgres, AVersionOneSchemaIsUpgradedAndKeepsItsData) {
    const std::string schema = test::fresh_postgres_schema();
    {
        MemoryPostgres m(test::postgres_conninfo(), in_schema(schema));
        run_co(m.remember("refunds need a manager", "acme", "refunds"));
    }
    // Back to what version 1 had: no totals.
    Session s(test::postgres_conninfo());
    s.exec("DROP TABLE \"" + schema + "\".totals; UPDATE \"" + schema + "\".schema_version SET version = 1");
    MemoryPostgres m(test::postgres_conninfo(), in_schema(schema));
    EXPECT_EQ(run_co(m.recall("refunds", "acme")).size(), 1u);
    EXPECT_EQ(run_co(m.add_to_total("acme/day", 0.5)), 0.5);
    EXPECT_EQ(s.exec("SELECT max(version) FROM \"" + schema + "\".schema_version"), "2");
}

TEST(MemoryPostgres, ASchemaNameIsNeverSql) {
    MemoryPostgresOptions options;
    options.schema = "x\"; DROP TABLE y; --";
    EXPECT_THROW(MemoryPostgres(test::postgres_conninfo(), options), std::invalid_argument);
}
