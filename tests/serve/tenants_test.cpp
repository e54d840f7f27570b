// Tenants: bearer tokens (401 for any other, the token never logged), each tenant's run cap,
// its daily budget held across concurrent runs and kept in a SQLite ledger across restarts and
// shared by servers on one store,
// its conversations its own, and its identity reaching the agent's tools.

#include "http_client.hpp"
#include "metrics_text.hpp"
#include "requests.hpp"
#include "served.hpp"

#include <agentroute/memory/memory.hpp>
#include <agentroute/memory/memory_sqlite.hpp>

#include <agentroute_test/run_co.hpp>
#include <agentroute_test/temp_dir.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

using namespace agentroute;
using namespace agentroute::test;
using namespace std::chrono_literals;
using agentroute::testkit::FakeOpenRouter;
using agentroute::testkit::FakeOpenRouterOptions;
namespace json = boost::json;

namespace {

serve::ServeOptions with_tenants(std::vector<serve::Tenant> tenants, std::shared_ptr<Memory> ledger = {}) {
    serve::ServeOptions o = Served::quick();
    o.tenants = std::move(tenants);
    o.ledger = std::move(ledger);
    return o;
}

// What one plain answer of the fake costs (the same prompt, the same answer, every time).
double one_answer_cost() {
    FakeOpenRouter fake;
    Served served;
    served.server().add(Served::agent_on(fake, "support"));
    served.start();
    HttpClient client(served.port());
    EXPECT_EQ(client.request(chat(hello)).status, 200);
    return fake.billed_usd();
}

}  // namespace

TEST(ServeTenants, OnlyAKnownBearerTokenIsServedAndNoTokenIsLogged) {
    FakeOpenRouter fake;
    std::mutex mutex;
    std::vector<std::string> log;
    serve::ServeOptions options = with_tenants({{.id = "acme", .token = "tok-acme-0123456789"}});
    options.access_log = [&](std::string_view line) {
        const std::lock_guard lock(mutex);
        log.emplace_back(line);
    };
    Served served(options);
    served.server().add(Served::agent_on(fake, "support"));
    served.start();
    HttpClient client(served.port());

    for (const auto& headers : std::vector<std::vector<std::pair<std::string, std::string>>>{
             {}, {bearer("tok-wrong-0123456789")}, {{"Authorization", "Basic dG9rLWFjbWU="}}, {bearer("tok-acme-012345678")}}) {
        const auto refused = client.request(chat(hello, headers));
        EXPECT_EQ(refused.status, 401) << refused.body;
        EXPECT_EQ(refused.header("www-authenticate"), "Bearer");
        EXPECT_EQ(json::parse(refused.body).at("error").at("code"), "invalid_api_key");
    }
    EXPECT_EQ(client.request(get("/v1/models")).status, 401);
    EXPECT_EQ(client.request(get("/v1/conversations/x")).status, 401);
    EXPECT_EQ(client.request(get("/healthz")).status, 200) << "probes need no token";
    EXPECT_EQ(fake.chat_requests(), 0u);

    EXPECT_EQ(client.request(chat(hello, {{"Authorization", "bearer  tok-acme-0123456789 "}})).status, 200);
    auto models = HttpCall{"GET", "/v1/models", {}, {bearer("tok-acme-0123456789")}};
    EXPECT_EQ(client.request(models).status, 200);
    served.stop();
    ASSERT_EQ(log.size(), 9u);
    for (const auto& line : log) EXPECT_EQ(line.find("tok-"), std::string::npos) << line;
    EXPECT_EQ(json::parse(log[7]).at("tenant"), "acme");
    EXPECT_FALSE(json::parse(log[0]).as_object().contains("tenant"));
}

TEST(ServeTenants, ATenantsRunCapRefusesWith429AndSparesOtherTenants) {
    FakeOpenRouter fake(FakeOpenRouterOptions{.latency = 600ms});
    Served served(with_tenants({{.id = "small", .token = "t-small", .max_concurrent_runs = 1}, {.id = "big", .token = "t-big"}}));
    served.server().add(Served::agent_on(fake, "support"));
    served.start();

    HttpClient first(served.port());
    first.write_raw(raw_post(hello, "Authorization: Bearer t-small\r\n"));
    while (metric(served.server().metrics(), R"(agentroute_serve_tenant_runs_in_flight{tenant="small"})") != 1) {
        std::this_thread::sleep_for(1ms);
    }
    HttpClient second(served.port());
    const auto refused = second.request(chat(hello, {bearer("t-small")}));
    EXPECT_EQ(refused.status, 429);
    EXPECT_EQ(refused.header("retry-after"), "1");
    EXPECT_EQ(json::parse(refused.body).at("error").at("code"), "tenant_concurrency_limit");
    EXPECT_EQ(second.request(chat(hello, {bearer("t-big")})).status, 200) << "another tenant is not held up";
    EXPECT_EQ(first.read_reply().status, 200);
    EXPECT_EQ(second.request(chat(hello, {bearer("t-small")})).status, 200);
}

TEST(ServeTenants, ConcurrentRunsTogetherStayWithinTheDailyBudget) {
    const double cost = one_answer_cost();
    ASSERT_GT(cost, 0);
    FakeOpenRouter fake(FakeOpenRouterOptions{.latency = 300ms});
    // Room for three answers and a half; each run's own ceiling is two answers.
    const double budget = 3.5 * cost;
    Served served(with_tenants({{.id = "acme", .token = "t-acme", .daily_budget_usd = budget}}), 2);
    served.server().add(Served::agent_on(fake, "support", {.max_cost = 1.2 * cost, .allow_unknown_cost = true}));
    served.start();

    constexpr int clients = 8;
    std::vector<int> statuses(clients);
    std::vector<std::thread> threads;
    for (int round = 0; round < 3; ++round) {
        threads.clear();
        for (int i = 0; i < clients; ++i) {
            threads.emplace_back([&, i] {
                HttpClient c(served.port());
                statuses[i] = c.request(chat(hello, {bearer("t-acme")})).status;
            });
        }
        for (auto& t : threads) t.join();
    }
    const auto m = served.server().metrics();
    const double spent = *metric(m, R"(agentroute_serve_tenant_spent_today_usd{tenant="acme"})");
    EXPECT_LE(fake.billed_usd(), budget + 1e-12) << "the budget held against concurrent runs";
    EXPECT_NEAR(spent, fake.billed_usd(), 1e-12) << "every billed call is in the ledger";
    EXPECT_GE(fake.chat_requests(), 3u);

    HttpClient after(served.port());
    const auto refused = after.request(chat(hello, {bearer("t-acme")}));
    ASSERT_TRUE(refused.status == 402 || refused.status == 429) << refused.body;
    if (refused.status == 402) {
        EXPECT_EQ(json::parse(refused.body).at("error").at("code"), "tenant_budget_exhausted");
    }
}

TEST(ServeTenants, TheLedgerKeepsTodaysSpendAcrossARestart) {
    const agentroute::test::TempDir dir;
    const double cost = one_answer_cost();
    FakeOpenRouter fake;
    const std::vector<serve::Tenant> tenants{{.id = "acme", .token = "t-acme", .daily_budget_usd = 1.5 * cost}};
    {
        Served served(with_tenants(tenants, std::make_shared<MemorySQLite>(dir.file("ledger.db"))));
        served.server().add(Served::agent_on(fake, "support"));
        served.start();
        HttpClient client(served.port());
        EXPECT_EQ(client.request(chat(hello, {bearer("t-acme")})).status, 200);
    }
    const double spent_before = fake.billed_usd();  // a capped run's request says max_tokens: its own cost
    // A new process's worth: a new store object on the same file, a new server.
    Served again(with_tenants(tenants, std::make_shared<MemorySQLite>(dir.file("ledger.db"))));
    again.server().add(Served::agent_on(fake, "support"));
    again.start();
    HttpClient client(again.port());
    for (int i = 0; i < 100 && !metric(again.server().metrics(), R"(agentroute_serve_tenant_spent_today_usd{tenant="acme"})").value_or(0);
         ++i) {
        std::this_thread::sleep_for(5ms);
    }
    EXPECT_NEAR(*metric(again.server().metrics(), R"(agentroute_serve_tenant_spent_today_usd{tenant="acme"})"), spent_before,
                1e-12);
    // Half an answer's worth is left: the run goes out capped to it, and either fits or is
    // stopped by its ceiling (402); either way the day's budget holds.
    const auto capped = client.request(chat(hello, {bearer("t-acme")}));
    EXPECT_TRUE(capped.status == 402 || capped.status == 200) << capped.body;
    EXPECT_LE(fake.billed_usd(), 1.5 * cost + 1e-12);
}

TEST(ServeTenants, TwoServersSharingALedgerCountEachOthersSpendOnce) {
    // Two servers on one SQLite file, each with its own connection, as two processes behind a
    // load balancer: each adds its runs' spend to the shared total, and sees the other's.
    const agentroute::test::TempDir dir;
    FakeOpenRouter fake;
    const std::vector<serve::Tenant> tenants{{.id = "acme", .token = "t-acme", .daily_budget_usd = 10.0}};
    Served a(with_tenants(tenants, std::make_shared<MemorySQLite>(dir.file("ledger.db"))));
    Served b(with_tenants(tenants, std::make_shared<MemorySQLite>(dir.file("ledger.db"))));
    for (Served* s : {&a, &b}) {
        s->server().add(Served::agent_on(fake, "support"));
        s->start();
    }
    HttpClient to_a(a.port()), to_b(b.port());
    EXPECT_EQ(to_a.request(chat(hello, {bearer("t-acme")})).status, 200);
    EXPECT_EQ(to_a.request(chat(hello, {bearer("t-acme")})).status, 200);
    const double a_spent = fake.billed_usd();
    EXPECT_EQ(to_b.request(chat(hello, {bearer("t-acme")})).status, 200);
    const std::string spent_series = R"(agentroute_serve_tenant_spent_today_usd{tenant="acme"})";
    // B's run settled against the shared total: B sees A's two runs and its own.
    EXPECT_NEAR(*metric_settles([&] { return b.server().metrics(); }, spent_series, fake.billed_usd(), 1e-12),
                fake.billed_usd(), 1e-12);
    EXPECT_NEAR(*metric(a.server().metrics(), spent_series), a_spent, 1e-12);  // A has not settled since
    // The store holds each run once: a third server reading the file starts from the sum.
    Served c(with_tenants(tenants, std::make_shared<MemorySQLite>(dir.file("ledger.db"))));
    c.server().add(Served::agent_on(fake, "support"));
    c.start();
    EXPECT_NEAR(*metric_settles([&] { return c.server().metrics(); }, spent_series, fake.billed_usd(), 1e-12),
                fake.billed_usd(), 1e-12);
}

TEST(ServeTenants, ACorruptLedgerStopsTheServerFromServingBudgets) {
    auto store = std::make_shared<Memory>();
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char day[16];
    std::strftime(day, sizeof day, "%Y-%m-%d", &utc);
    boost::asio::io_context io;
    boost::asio::co_spawn(io, store->remember("not a spend", "agentroute.serve.ledger", std::string("acme/") + day),
                          boost::asio::detached);
    io.run();
    io.restart();
    serve::Server server(io.get_executor(), with_tenants({{.id = "acme", .token = "t", .daily_budget_usd = 1}}, store));
    server.listen();
    auto done = boost::asio::co_spawn(io, server.run(), boost::asio::use_future);
    io.run_for(5s);
    ASSERT_EQ(done.wait_for(0s), std::future_status::ready);
    const auto e = expect_error<ErrorMemory>([&] { done.get(); });  // it would not serve unknown budgets
    EXPECT_NE(std::string(e.what()).find("acme/"), std::string::npos) << e.what();
}

TEST(ServeTenants, TenantsThatCannotBeToldApartAreAConfigError) {
    boost::asio::io_context io;
    for (const auto& tenants : std::vector<std::vector<serve::Tenant>>{
             {{.id = "a", .token = "t1"}, {.id = "a", .token = "t2"}},
             {{.id = "a", .token = "t1"}, {.id = "b", .token = "t1"}},
             {{.id = "a/b", .token = "t1"}},
             {{.id = "", .token = "t1"}},
             {{.id = "a", .token = ""}},
             {{.id = "a", .token = "t1", .daily_budget_usd = -1}}}) {
        EXPECT_THROW(serve::Server(io.get_executor(), with_tenants(tenants)), ErrorConfig);
    }
}

TEST(ServeTenants, ConversationsAreATenantsOwnAndToolsKnowTheirTenant) {
    FakeOpenRouter fake;
    std::mutex mutex;
    std::vector<std::string> seen;
    Agent<> agent = Served::agent_on(fake, "support", {.memory = std::make_shared<Memory>()});
    agent.tool("lookup_ticket", "Look a ticket up.", [&](RunContext& ctx, const Lookup& l) {
        const std::lock_guard lock(mutex);
        seen.push_back(ctx.deps<const serve::Caller>().tenant);
        return "blocked: " + l.ticket_id;
    });
    Served served(with_tenants({{.id = "acme", .token = "t-acme"}, {.id = "globex", .token = "t-globex"}}));
    served.server().add(std::move(agent));
    served.start();
    HttpClient client(served.port());
    ASSERT_EQ(client.request(chat(hello, {bearer("t-acme"), {"X-Agentroute-Conversation", "c-1"}})).status, 200);
    EXPECT_EQ(seen, std::vector<std::string>{"acme"});

    EXPECT_EQ(client.request(HttpCall{"GET", "/v1/conversations/c-1", {}, {bearer("t-acme")}}).status, 200);
    EXPECT_EQ(client.request(HttpCall{"GET", "/v1/conversations/c-1", {}, {bearer("t-globex")}}).status, 404)
        << "another tenant's conversation id is not found";
    // globex's c-1 is a conversation of its own, starting empty.
    ASSERT_EQ(client.request(chat(hello, {bearer("t-globex"), {"X-Agentroute-Conversation", "c-1"}})).status, 200);
    const json::value sent = json::parse(fake.last_request_body());
    EXPECT_EQ(sent.at("messages").as_array().size(), 3u) << "its prompt, the tool call and the result only";
    EXPECT_EQ(seen.back(), "globex");
}
