// A served agent's telemetry, judged by real consumers: the request's traceparent continues into
// the run's spans, `promtool check metrics` accepts `/metrics`, and a real Prometheus (Debian's,
// started here on loopback) scrapes it and stores the GenAI series.

#include "http_client.hpp"
#include "requests.hpp"
#include "served.hpp"

#include <agentroute/telemetry/span_recorder.hpp>
#include <agentroute/telemetry/telemetry.hpp>

#include <agentroute_test/temp_dir.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>

using namespace agentroute;
using namespace std::chrono_literals;
using agentroute::test::chat;
using agentroute::test::get;
using agentroute::test::HttpClient;
using agentroute::test::Served;
using agentroute::testkit::FakeOpenRouter;
namespace otel = agentroute::telemetry;
namespace json = boost::json;

extern char** environ;

namespace {

struct Traced {
    std::shared_ptr<otel::SpanRecorder> recorder = std::make_shared<otel::SpanRecorder>();
    std::shared_ptr<otel::Telemetry> telemetry =
        std::make_shared<otel::Telemetry>(otel::TelemetryOptions{.sinks = {recorder}, .metric_names = otel::MetricNames::both});
    FakeOpenRouter fake;
    Served served{options()};

    Traced() {
        served.server().add(Served::agent_on(fake, "support", AgentOptions{.tracer = telemetry}));
        served.start();
    }
    serve::ServeOptions options() {
        serve::ServeOptions o = Served::quick();
        o.telemetry = telemetry;
        return o;
    }
};

int shell(const std::string& command) {
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return std::to_string(acceptor.local_endpoint().port());
}

}  // namespace

TEST(ServeTelemetry, ARequestsTraceparentPutsTheRunUnderTheCallersSpan) {
    Traced t;
    HttpClient client(t.served.port());
    const std::string caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    ASSERT_EQ(client.request(chat(agentroute::test::hello, {{"traceparent", caller}})).status, 200);
    const auto runs = t.recorder->spans_named("invoke_agent support");
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].context.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
    ASSERT_TRUE(runs[0].parent_span_id);
    TraceContext parent;
    parent.span_id = *runs[0].parent_span_id;
    EXPECT_EQ(parent.span_id_hex(), "00f067aa0ba902b7");

    // A malformed header is ignored: a trace of its own.
    ASSERT_EQ(client.request(chat(agentroute::test::hello, {{"traceparent", "00-nonsense"}})).status, 200);
    const auto again = t.recorder->spans_named("invoke_agent support");
    ASSERT_EQ(again.size(), 2u);
    EXPECT_FALSE(again[1].parent_span_id);
}

TEST(ServeTelemetry, MetricsPassPromtoolCheck) {
    Traced t;
    HttpClient client(t.served.port());
    ASSERT_EQ(client.request(chat(agentroute::test::hello)).status, 200);
    const auto metrics = client.request(get("/metrics"));
    ASSERT_EQ(metrics.status, 200);
    for (const char* family : {"gen_ai_client_token_usage_bucket{", "gen_ai_client_operation_duration_seconds_count{",
                               "gen_ai_client_inference_usage_input_tokens_bucket{", "gen_ai_client_inference_duration_seconds_sum{",
                               "gen_ai_client_inference_usage_detailed_input_tokens_total{",
                               "agentroute_runs_total{gen_ai_agent_name=\"support\",outcome=\"completed\"} 1",
                               "agentroute_cost_usd_total{", "agentroute_pool_connections ", "agentroute_serve_requests_total{"}) {
        EXPECT_NE(metrics.body.find(family), std::string::npos) << family << "\n" << metrics.body;
    }
    agentroute::test::TempDir dir;
    const auto file = dir.path() / "metrics.txt";
    std::ofstream(file) << metrics.body;
    const auto report = dir.path() / "promtool.txt";
    ASSERT_EQ(shell("promtool --version >/dev/null 2>&1"), 0) << "promtool not found: run scripts/install-deps.sh";
    const int rc = shell("promtool check metrics < " + file.string() + " > " + report.string() + " 2>&1");
    std::ifstream in(report);
    const std::string said((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(rc, 0) << said;
    EXPECT_EQ(said, "") << "promtool's lint findings";
}

TEST(ServeTelemetry, ARealPrometheusScrapesAndStoresTheGenAiSeries) {
    ASSERT_EQ(shell("prometheus --version >/dev/null 2>&1"), 0) << "prometheus not found: run scripts/install-deps.sh";
    Traced t;
    HttpClient client(t.served.port());
    ASSERT_EQ(client.request(chat(agentroute::test::hello)).status, 200);

    agentroute::test::TempDir dir;
    const std::string web = free_port();
    std::ofstream(dir.path() / "prometheus.yml")
        << "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: agentroute\n    static_configs:\n"
        << "      - targets: ['127.0.0.1:" << t.served.port() << "']\n";
    std::vector<std::string> args{"prometheus", "--config.file=" + (dir.path() / "prometheus.yml").string(),
                                  "--storage.tsdb.path=" + (dir.path() / "data").string(),
                                  "--web.listen-address=127.0.0.1:" + web, "--log.level=warn"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    ASSERT_EQ(::posix_spawnp(&pid, "prometheus", nullptr, nullptr, argv.data(), environ), 0);
    struct Stop {
        pid_t pid;
        ~Stop() {
            ::kill(pid, SIGTERM);
            int status = 0;
            ::waitpid(pid, &status, 0);
        }
    } stop{pid};

    // Prometheus's own HTTP API, until the series is stored (a scrape a second, after start-up).
    const std::string query = "/api/v1/query?query=gen_ai_client_token_usage_count%7Bgen_ai_token_type%3D%22input%22%7D";
    std::string body;
    for (int i = 0; i < 60; ++i) {
        std::this_thread::sleep_for(500ms);
        try {
            HttpClient prometheus(static_cast<std::uint16_t>(std::stoi(web)));
            const auto reply = prometheus.request(get(query));
            body = reply.body;
            if (reply.status != 200) continue;
            const json::array result = json::parse(body).at("data").at("result").as_array();
            if (result.empty()) continue;
            const json::object& series = result.at(0).as_object();
            EXPECT_EQ(series.at("metric").at("gen_ai_request_model").as_string(), "fake/model");
            EXPECT_EQ(series.at("metric").at("gen_ai_provider_name").as_string(), "openrouter");
            EXPECT_EQ(series.at("value").as_array().at(1).as_string(), "1");
            return;
        } catch (const std::exception&) {
            // not listening yet
        }
    }
    FAIL() << "Prometheus stored no gen_ai_client_token_usage_count series; last answer: " << body;
}
