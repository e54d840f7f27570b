#include <agentroute/agent.hpp>
#include <agentroute/testing/scripted_model.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/thread_pool.hpp>
#include <gtest/gtest.h>

#include <atomic>

using namespace agentroute;
using agentroute::testkit::ScriptedModel;
using namespace std::chrono_literals;

namespace {

struct LookupTicket {
    std::string ticket_id;
};
BOOST_DESCRIBE_STRUCT(LookupTicket, (), (ticket_id))

}  // namespace

// 10,000 concurrent runs of one shared Agent on a 4-thread pool; the model yields on a timer
// between calls. Every run succeeds and the usage sums exactly.
TEST(Stress, TenThousandConcurrentRunsShareOneAgent) {
    constexpr int runs = 10'000;
    auto model = std::make_shared<ScriptedModel>(
        std::vector{ScriptedModel::tool_call("lookup_ticket", R"({"ticket_id":"4821"})",
                                             Usage{100, 10, 0.001, 1}),
                    ScriptedModel::text("Ticket #4821 is blocked.", Usage{200, 20, 0.002, 1})},
        agentroute::testkit::ScriptedModelOptions{.latency = 2ms, .per_run = true, .record = false});
    Agent agent({.name = "support", .model = model, .instructions = "Look tickets up."});
    std::atomic<int> tool_runs{0};
    agent.tool("lookup_ticket", "Look up a ticket.", [&](const LookupTicket& args) {
        ++tool_runs;
        return "ticket " + args.ticket_id + ": open";
    });

    boost::asio::thread_pool pool(4);
    std::atomic<int> ok{0}, failed{0};
    std::atomic<std::int64_t> input_tokens{0}, output_tokens{0}, calls{0};
    for (int i = 0; i < runs; ++i) {
        boost::asio::co_spawn(pool, agent.run("Investigate ticket #4821"),
                              [&](std::exception_ptr e, Result<std::string> r) {
                                  if (e || r.output != "Ticket #4821 is blocked.") {
                                      ++failed;
                                      return;
                                  }
                                  ++ok;
                                  input_tokens += r.usage.input_tokens;
                                  output_tokens += r.usage.output_tokens;
                                  calls += r.usage.model_calls;
                              });
    }
    pool.join();
    EXPECT_EQ(ok, runs);
    EXPECT_EQ(failed, 0);
    EXPECT_EQ(tool_runs, runs);
    EXPECT_EQ(calls, 2 * runs);
    EXPECT_EQ(input_tokens, 300LL * runs);
    EXPECT_EQ(output_tokens, 30LL * runs);
    EXPECT_EQ(model->calls(), static_cast<std::size_t>(2 * runs));
}
