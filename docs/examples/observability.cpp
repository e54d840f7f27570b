// docs/observability.md: GenAI spans and metrics of an agent's runs, exported over OTLP/HTTP
// (here to a collector that is not running: the run does not notice, the drops are counted),
// recorded in memory, and rendered as Prometheus text.

#include "offline.hpp"

#include <agentroute/agentroute.hpp>
#include <agentroute/telemetry/otlp_exporter.hpp>
#include <agentroute/telemetry/span_recorder.hpp>
#include <agentroute/telemetry/telemetry.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/describe.hpp>

#include <iostream>

using namespace agentroute;
namespace asio = boost::asio;
namespace otel = agentroute::telemetry;

struct Lookup {
    std::string ticket_id;
};
BOOST_DESCRIBE_STRUCT(Lookup, (), (ticket_id))

int main() {
    auto fake = examples::offline_if_no_key();
    asio::io_context io;

    // tag::setup[]
    auto exporter = otel::OtlpExporter::create(io.get_executor(), {.endpoint = "http://127.0.0.1:4318/v1/traces",
                                                                   .service_name = "support-bot"});
    auto recorder = std::make_shared<otel::SpanRecorder>();  // for your own tests
    auto telemetry = std::make_shared<otel::Telemetry>(otel::TelemetryOptions{.sinks = {exporter, recorder}});

    Agent support({.name = "support", .model = "openai/gpt-4o-mini", .tracer = telemetry});
    support.tool("lookup_ticket", "Look a ticket up.", [](RunContext& ctx, const Lookup& l) {
        // The tool call's span: pass it on to the services the tool calls.
        const std::string traceparent = ctx.trace() ? ctx.trace()->traceparent() : "";
        return "ticket " + l.ticket_id + ": waiting on the customer";
    });
    // end::setup[]

    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        // tag::run[]
        RunOptions options;
        // A caller's trace, e.g. the `traceparent` header of the request being served.
        options.trace_parent = TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        Result<std::string> result = co_await support.run("Why is ticket 4821 blocked?", options);
        co_await exporter->shutdown();  // what is queued goes out (or is given up on) first
        // end::run[]
        std::cout << result.output << "\n";
    }, asio::detached);
    io.run();

    for (const otel::Span& span : recorder->spans()) std::cout << span.name << "\n";
    // tag::prometheus[]
    const std::string exposition = telemetry->prometheus();  // what a /metrics endpoint answers
    // end::prometheus[]
    std::cout << "exported " << exporter->stats().exported << ", dropped " << exporter->dropped() << "\n";
    const bool ok = recorder->spans_named("invoke_agent support").size() == 1 &&
                    exposition.find("gen_ai_client_token_usage_bucket") != std::string::npos;
    return ok ? 0 : 1;
}
