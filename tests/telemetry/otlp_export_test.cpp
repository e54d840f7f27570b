// The OTLP/HTTP JSON exporter against a receiver that decodes every payload with the
// OpenTelemetry JS project's protobuf definitions (tests/clients/otlp_receiver.mjs), and against
// collectors that are down, slow, or answer 429 / 500: runs never wait, drops are counted.

#include <agentroute/agent.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>
#include <agentroute/telemetry/otlp_exporter.hpp>
#include <agentroute/telemetry/telemetry.hpp>

#include "agent_tree.hpp"

#include <agentroute_test/fake_model.hpp>
#include <agentroute_test/temp_dir.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <map>
#include <set>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace agentroute;
using agentroute::test::AgentTree;
using agentroute::test::Lookup;
using agentroute::test::spans_per_tree;
using namespace std::chrono_literals;
using agentroute::testkit::FakeOpenRouter;
using agentroute::testkit::FakeOpenRouterOptions;
namespace otel = agentroute::telemetry;
namespace json = boost::json;

extern char** environ;

namespace {

const std::string clients_dir = AGENTROUTE_CLIENTS_DIR;

// tests/clients/otlp_receiver.mjs in Node, on a loopback port of its own; stopped with the test.
class Receiver {
public:
    explicit Receiver(std::vector<std::string> extra = {}) {
        out_ = dir_.path() / "received.jsonl";
        std::vector<std::string> args{"node", clients_dir + "/otlp_receiver.mjs", "--out", out_.string()};
        args.insert(args.end(), extra.begin(), extra.end());
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        int pipe_fds[2];
        if (::pipe(pipe_fds) != 0) throw std::runtime_error("pipe");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
        const int rc = ::posix_spawnp(&pid_, "node", &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(pipe_fds[1]);
        if (rc != 0) throw std::runtime_error("cannot start node: run scripts/install-deps.sh");
        std::string line;
        char c = 0;
        while (::read(pipe_fds[0], &c, 1) == 1 && c != '\n') line += c;
        ::close(pipe_fds[0]);
        if (!line.starts_with("port ")) {
            throw std::runtime_error("the OTLP receiver did not start (" + line +
                                     "); its npm packages come from scripts/install-deps.sh");
        }
        port_ = line.substr(5);
    }
    ~Receiver() {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    std::string url() const { return "http://127.0.0.1:" + port_ + "/v1/traces"; }
    // One JSON object per request received.
    std::vector<json::object> requests() const {
        std::vector<json::object> out;
        std::ifstream in(out_);
        for (std::string line; std::getline(in, line);) out.push_back(json::parse(line).as_object());
        return out;
    }

private:
    agentroute::test::TempDir dir_;
    std::filesystem::path out_;
    pid_t pid_ = -1;
    std::string port_;
};

// The exporter's own io_context on a thread, as a server would run it.
struct ExporterThread {
    boost::asio::io_context io;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard = boost::asio::make_work_guard(io);
    std::thread thread{[this] { io.run(); }};
    ~ExporterThread() { stop(); }
    // Returns once the io_context has no work left: the exporter's sender has ended.
    void stop() {
        guard.reset();
        if (thread.joinable()) thread.join();
    }
    void shutdown(otel::OtlpExporter& exporter) {
        boost::asio::co_spawn(io, exporter.shutdown(), boost::asio::use_future).get();
    }
};


std::shared_ptr<otel::Telemetry> exporting_to(std::shared_ptr<otel::OtlpExporter> exporter) {
    return std::make_shared<otel::Telemetry>(otel::TelemetryOptions{.sinks = {std::move(exporter)}});
}

std::string closed_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return std::to_string(acceptor.local_endpoint().port());  // closed again when this returns
}

}  // namespace

TEST(OtlpExport, EverySpanOfAnAgentTreeIsReadByOpenTelemetrysOwnProtobufDefinitions) {
    Receiver receiver;
    ExporterThread thread;
    auto exporter = otel::OtlpExporter::create(thread.io.get_executor(),
                                               {.endpoint = receiver.url(), .service_name = "tides", .max_batch = 10});
    FakeOpenRouter fake(FakeOpenRouterOptions{.tool_calls_per_answer = 3});
    AgentTree tree(fake, exporting_to(exporter));
    tree.parent->run_sync("What drives the tides?");
    thread.shutdown(*exporter);

    std::vector<json::object> spans;
    const std::vector<json::object> requests = receiver.requests();
    ASSERT_GE(requests.size(), 3u) << "batches of at most 10";
    for (const json::object& r : requests) {
        ASSERT_TRUE(r.at("ok").as_bool()) << json::serialize(r);
        for (const json::value& s : r.at("spans").as_array()) spans.push_back(s.as_object());
    }
    ASSERT_EQ(spans.size(), spans_per_tree);
    EXPECT_EQ(exporter->stats().exported, spans_per_tree);
    EXPECT_EQ(exporter->dropped(), 0u);

    std::map<std::string, json::object> by_id;
    for (const json::object& s : spans) {
        EXPECT_EQ(s.at("service").as_string(), "tides");
        EXPECT_EQ(s.at("traceId").as_string(), spans[0].at("traceId").as_string());
        by_id[std::string(s.at("spanId").as_string())] = s;
    }
    std::set<std::string> research, parents_of_web;
    std::size_t chats = 0;
    for (const json::object& s : spans) {
        const std::string name(s.at("name").as_string());
        const json::object& attributes = s.at("attributes").as_object();
        if (name == "execute_tool research") research.insert(std::string(s.at("spanId").as_string()));
        if (name == "invoke_agent web") {
            const json::object& parent = by_id.at(std::string(s.at("parentSpanId").as_string()));
            EXPECT_EQ(parent.at("name").as_string(), "execute_tool research");
            parents_of_web.insert(std::string(s.at("parentSpanId").as_string()));
        }
        if (name == "invoke_agent researcher") {
            EXPECT_EQ(s.at("parentSpanId").as_string(), "");
        }
        if (name.starts_with("chat ")) {
            ++chats;
            EXPECT_EQ(s.at("kind").as_int64(), 3);  // CLIENT
            EXPECT_EQ(attributes.at("gen_ai.operation.name").as_string(), "chat");
            EXPECT_GT(attributes.at("gen_ai.usage.input_tokens").to_number<double>(), 0);
            EXPECT_TRUE(attributes.at("gen_ai.response.finish_reasons").is_array());
            EXPECT_GT(attributes.at("agentroute.cost.usd").to_number<double>(), 0);
        }
        EXPECT_LE(std::stoull(std::string(s.at("start").as_string())), std::stoull(std::string(s.at("end").as_string())));
    }
    EXPECT_EQ(chats, 8u);
    EXPECT_EQ(research.size(), 3u);
    EXPECT_EQ(parents_of_web, research);
}

TEST(OtlpExport, AFullBatchGoesOutAtOnceWithoutWaitingForTheBatchDelay) {
    Receiver receiver;
    ExporterThread thread;
    auto exporter = otel::OtlpExporter::create(thread.io.get_executor(),
                                               {.endpoint = receiver.url(), .max_batch = 10, .batch_delay = 60s});
    FakeOpenRouter fake(FakeOpenRouterOptions{.tool_calls_per_answer = 3});
    AgentTree tree(fake, exporting_to(exporter));
    tree.parent->run_sync("What drives the tides?");
    // Two full batches of ten, long before the minute a partial one waits.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (exporter->stats().exported < 20 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(exporter->stats().exported, 20u);
    thread.shutdown(*exporter);  // the last four go out now, not a minute later
    EXPECT_EQ(exporter->stats().exported, spans_per_tree);
}

TEST(OtlpExport, ACollectorThatIsDownCostsTheRunsNothingAndTheDropsAreCounted) {
    ExporterThread thread;
    auto exporter = otel::OtlpExporter::create(
        thread.io.get_executor(),
        {.endpoint = "http://127.0.0.1:" + closed_port() + "/v1/traces", .max_attempts = 2, .initial_backoff = 10ms});
    auto tracing = exporting_to(exporter);
    FakeOpenRouter fake(FakeOpenRouterOptions{.tool_calls_per_answer = 3});
    AgentTree tree(fake, tracing);
    const auto started = std::chrono::steady_clock::now();
    tree.parent->run_sync("What drives the tides?");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    thread.shutdown(*exporter);
    EXPECT_EQ(exporter->stats().exported, 0u);
    EXPECT_EQ(exporter->stats().dropped_refused, spans_per_tree);
    EXPECT_GE(exporter->stats().retries, 1u);
    EXPECT_NE(exporter->stats().last_error.find("POST http://127.0.0.1:"), std::string::npos) << exporter->stats().last_error;
    EXPECT_NE(tracing->prometheus().find("agentroute_telemetry_spans_dropped_total 24\n"), std::string::npos);
}

TEST(OtlpExport, ShutdownGivesUpOnADeadCollectorWithinItsTimeAndCountsWhatItDropped) {
    const auto started = std::chrono::steady_clock::now();
    {
        ExporterThread thread;
        auto exporter = otel::OtlpExporter::create(
            thread.io.get_executor(), {.endpoint = "http://127.0.0.1:" + closed_port() + "/v1/traces", .max_batch = 10,
                                       .max_attempts = 100, .initial_backoff = 5s, .max_backoff = 60s});
        FakeOpenRouter fake(FakeOpenRouterOptions{.tool_calls_per_answer = 3});
        AgentTree tree(fake, exporting_to(exporter));
        tree.parent->run_sync("What drives the tides?");
        boost::asio::co_spawn(thread.io, exporter->shutdown(300ms), boost::asio::use_future).get();
        EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
        // Its exporter thread ends too (the destructor joins it): the sender stopped retrying.
        thread.stop();
        EXPECT_EQ(exporter->stats().exported, 0u);
        EXPECT_EQ(exporter->dropped(), spans_per_tree);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "100 attempts 5 s apart would take minutes";
}

TEST(OtlpExport, A429WithRetryAfterIsRetriedUntilTheCollectorTakesTheBatch) {
    Receiver receiver({"--fail-first", "2", "--fail-status", "429", "--retry-after", "0"});
    ExporterThread thread;
    auto exporter = otel::OtlpExporter::create(thread.io.get_executor(), {.endpoint = receiver.url()});
    FakeOpenRouter fake(FakeOpenRouterOptions{.tool_calls_per_answer = 3});
    AgentTree tree(fake, exporting_to(exporter));
    tree.parent->run_sync("What drives the tides?");
    thread.shutdown(*exporter);
    EXPECT_EQ(exporter->stats().exported, spans_per_tree);
    EXPECT_EQ(exporter->stats().retries, 2u);
    EXPECT_EQ(exporter->dropped(), 0u);
}

TEST(OtlpExport, A500IsNotRetriedAndItsBatchIsCountedAsDropped) {
    Receiver receiver({"--fail-first", "1", "--fail-status", "500"});
    ExporterThread thread;
    auto exporter = otel::OtlpExporter::create(thread.io.get_executor(), {.endpoint = receiver.url()});
    FakeOpenRouter fake(FakeOpenRouterOptions{.tool_calls_per_answer = 3});
    AgentTree tree(fake, exporting_to(exporter));
    tree.parent->run_sync("What drives the tides?");
    thread.shutdown(*exporter);
    EXPECT_EQ(exporter->stats().retries, 0u);
    EXPECT_EQ(exporter->stats().dropped_refused, spans_per_tree);  // one batch, refused
    EXPECT_EQ(exporter->stats().requests, 1u);
    EXPECT_NE(exporter->stats().last_error.find(": 500"), std::string::npos) << exporter->stats().last_error;
}

TEST(OtlpExport, ASlowCollectorFillsTheBoundedQueueWhichDropsRatherThanHoldARun) {
    Receiver receiver({"--delay-ms", "3000"});
    ExporterThread thread;
    auto exporter = otel::OtlpExporter::create(thread.io.get_executor(),
                                               {.endpoint = receiver.url(), .max_queue = 30, .max_batch = 10,
                                                .batch_delay = 10ms, .timeout = 500ms, .max_attempts = 1});
    FakeOpenRouter fake(FakeOpenRouterOptions{.tool_calls_per_answer = 3});
    AgentTree tree(fake, exporting_to(exporter));
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 4; ++i) tree.parent->run_sync("What drives the tides?");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "runs never wait for the collector";
    thread.shutdown(*exporter);
    const otel::OtlpStats stats = exporter->stats();
    EXPECT_GT(stats.dropped_queue_full, 0u);
    EXPECT_EQ(stats.exported + stats.dropped_queue_full + stats.dropped_refused, 4 * spans_per_tree);
}
