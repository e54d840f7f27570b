// Request-scoped dependencies: a run carries the caller's object, tools and validators get it
// back type-checked.

#include <agentroute/agent.hpp>
#include <agentroute/testing/scripted_model.hpp>

#include <agentroute_test/run_co.hpp>
#include <agentroute_test/script.hpp>
#include <boost/describe.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>

using namespace agentroute;
using agentroute::test::expect_error;
using agentroute::test::run_co;
using agentroute::test::script;
using agentroute::testkit::ScriptedModel;

namespace {

struct Tenant {
    std::string id;
    std::mutex mutex;
    std::set<std::string> seen_by;
};

struct Lookup {
    std::string what;
};
BOOST_DESCRIBE_STRUCT(Lookup, (), (what))

}  // namespace

TEST(Deps, ParallelToolCallsAndValidatorsReachTheRunsOwnObject) {
    Agent agent({.name = "a",
                 .model = script({ScriptedModel::tool_calls({{"c1", "lookup", R"({"what":"x"})"},
                                                             {"c2", "lookup", R"({"what":"y"})"}}),
                                  ScriptedModel::text("ok")})});
    agent.tool("lookup", "d", [](RunContext& ctx, const Lookup& args) {
        Tenant& tenant = ctx.deps<Tenant>();
        std::lock_guard lock(tenant.mutex);
        tenant.seen_by.insert(args.what);
        return tenant.id;
    });
    std::string validated_for;
    agent.output_validator([&](RunContext& ctx, std::string out) {
        validated_for = ctx.deps<Tenant>().id;
        return out;
    });

    Tenant acme{"acme", {}, {}};
    Tenant globex{"globex", {}, {}};
    RunOptions options;
    options.deps = Deps(acme);
    Result<std::string> result = run_co(agent.run("go", std::move(options)));
    EXPECT_EQ(acme.seen_by, (std::set<std::string>{"x", "y"}));
    EXPECT_TRUE(globex.seen_by.empty());
    EXPECT_EQ(validated_for, "acme");
    EXPECT_EQ(result.messages[3].content, "acme");  // the tool results carry the tenant's id
}

TEST(Deps, AWrongTypeIsAnErrorConfigNamingBothTypes) {
    Agent agent({.name = "a", .model = script({ScriptedModel::tool_call("who", "{}")})});
    agent.tool("who", "d", [](RunContext& ctx) { return ctx.deps<Tenant>().id; });
    int not_a_tenant = 7;
    RunOptions options;
    options.deps = Deps(not_a_tenant);
    auto e = expect_error<ErrorConfig>([&] { run_co(agent.run("go", std::move(options))); });
    const std::string what = e.what();
    EXPECT_NE(what.find("Tenant"), std::string::npos) << what;
    EXPECT_NE(what.find("int"), std::string::npos) << what;
    EXPECT_EQ(e.usage().model_calls, 1);  // the call that asked for the tool is still counted
}

TEST(Deps, NoDepsAndConstDepsAreClearErrors) {
    Deps none;
    EXPECT_FALSE(none);
    auto missing = expect_error<ErrorConfig>([&] { none.get<Tenant>(); });
    EXPECT_NE(std::string(missing.what()).find("RunOptions::deps"), std::string::npos);

    const Tenant fixed{"fixed", {}, {}};
    Deps read_only(fixed);
    EXPECT_EQ(read_only.get<const Tenant>().id, "fixed");
    auto mutable_ask = expect_error<ErrorConfig>([&] { read_only.get<Tenant>(); });
    EXPECT_NE(std::string(mutable_ask.what()).find("const"), std::string::npos);
    EXPECT_EQ(read_only.get_if<Tenant>(), nullptr);
    EXPECT_EQ(read_only.get_if<int>(), nullptr);
}

TEST(Deps, SharedDepsLiveAsLongAsTheRunNeedsThem) {
    Agent agent({.name = "a", .model = script({ScriptedModel::tool_call("who", "{}"), ScriptedModel::text("ok")})});
    agent.tool("who", "d", [](RunContext& ctx) { return ctx.deps<Tenant>().id; });
    auto tenant = std::make_shared<Tenant>();
    tenant->id = "shared";
    std::weak_ptr<Tenant> watch = tenant;
    RunOptions options;
    options.deps = Deps(std::move(tenant));
    auto run = agent.run("go", std::move(options));
    EXPECT_FALSE(watch.expired());  // held by the run that has not started yet
    Result<std::string> result = run_co(std::move(run));
    EXPECT_EQ(result.messages[2].content, "shared");
    EXPECT_TRUE(watch.expired());
}
