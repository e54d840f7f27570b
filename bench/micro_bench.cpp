// Micro-benchmarks of the hot path of one model call (Google Benchmark). Each reports bytes
// and allocations per iteration ("bytes/op", "allocs/op") from a counting operator new.

#include "openrouter_wire.hpp"
#include "sse_parser.hpp"

#include <agentroute/agentroute.hpp>
#include <agentroute/telemetry/telemetry.hpp>

#include <benchmark/benchmark.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::size_t> allocated_bytes{0}, allocations{0};
}

void* operator new(std::size_t n) {
    allocated_bytes.fetch_add(n, std::memory_order_relaxed);
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace agentroute;
using namespace agentroute::net::detail;

namespace {

// Per-iteration allocation counters over the timed loop.
struct AllocationCounter {
    explicit AllocationCounter(benchmark::State& s) : state(s), bytes0(allocated_bytes), count0(allocations) {}
    ~AllocationCounter() {
        const double iterations = static_cast<double>(state.iterations());
        state.counters["bytes/op"] = static_cast<double>(allocated_bytes - bytes0) / iterations;
        state.counters["allocs/op"] = static_cast<double>(allocations - count0) / iterations;
    }
    benchmark::State& state;
    std::size_t bytes0, count0;
};

struct LookupTicket {
    std::string ticket_id;
    std::optional<int> detail;
};
BOOST_DESCRIBE_STRUCT(LookupTicket, (), (ticket_id, detail))

std::vector<Message> conversation(int messages) {
    std::vector<Message> m{Message::system("You are a support engineer. Look tickets up before you answer.")};
    for (int i = 0; m.size() < static_cast<std::size_t>(messages); ++i) {
        m.push_back(Message::user("Investigate ticket #" + std::to_string(4821 + i)));
        m.push_back(Message::assistant({}, {ToolCall{"call_" + std::to_string(i), "lookup_ticket", R"({"ticket_id":"4821"})"}}));
        m.push_back(Message::tool_result("call_" + std::to_string(i), "lookup_ticket",
                                         "ticket 4821: open, priority high, nightly export failing since 02:00 (disk 100%)"));
        m.push_back(Message::assistant(std::string(200, 'a')));
    }
    return m;
}

void BM_RequestSerialization(benchmark::State& state) {
    const auto messages = conversation(4);
    const std::vector<ToolDefinition> tools{{"lookup_ticket", "Look up a support ticket by its id.", json_schema<LookupTicket>()}};
    ModelRequest request;
    request.messages = messages;
    request.tools = tools;
    request.run_id = "run_0123456789abcdef0123456789abcdef";
    const WireOptions options{"anthropic/claude-sonnet-4.5", false, {}, {}};
    AllocationCounter counter(state);
    for (auto _ : state) benchmark::DoNotOptimize(build_chat_request(request, options));
}
BENCHMARK(BM_RequestSerialization);

void BM_ParseNonStreamAnswer2KB(benchmark::State& state) {
    const std::string body =
        "\n         \n"
        R"({"id":"gen-1","provider":"Anthropic","model":"anthropic/claude-sonnet-4.5","object":"chat.completion","created":1,"choices":[{"index":0,"finish_reason":"stop","native_finish_reason":"end_turn","message":{"role":"assistant","content":")" +
        std::string(2048, 'x') + R"("}}],"usage":{"prompt_tokens":120,"completion_tokens":500,"total_tokens":620,"cost":0.0075,"is_byok":false}})";
    AllocationCounter counter(state);
    for (auto _ : state) benchmark::DoNotOptimize(parse_chat_body(body, ""));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseNonStreamAnswer2KB);

// 40 chunks: text in 30, a tool call's arguments in 8 fragments, finish, usage, [DONE].
std::string stream_40_chunks() {
    std::string s = ": OPENROUTER PROCESSING\n\n";
    for (int i = 0; i < 30; ++i) {
        s += R"(data: {"id":"gen-1","provider":"OpenAI","model":"openai/gpt-4.1-mini","object":"chat.completion.chunk","created":1,"choices":[{"index":0,"delta":{"role":"assistant","content":"word )" +
             std::to_string(i) + R"( "},"finish_reason":null}]})" "\n\n";
    }
    const char* fragments[] = {R"({\")", R"(ticket)", R"(_id\")", R"(: \"4)", R"(82)", R"(1\", )", R"(\"detail\")", R"(: 2})"};
    for (int i = 0; i < 8; ++i) {
        std::string call = i == 0 ? R"({"index":0,"id":"call_1","type":"function","function":{"name":"lookup_ticket","arguments":")"
                                  : R"({"index":0,"function":{"arguments":")";
        s += R"(data: {"id":"gen-1","choices":[{"index":0,"delta":{"tool_calls":[)" + call + fragments[i] + R"("}}]},"finish_reason":null}]})" "\n\n";
    }
    s += R"(data: {"id":"gen-1","choices":[{"index":0,"delta":{"content":""},"finish_reason":"tool_calls"}]})" "\n\n";
    s += R"(data: {"id":"gen-1","choices":[],"usage":{"prompt_tokens":48,"completion_tokens":11,"cost":0.0000368}})" "\n\n";
    s += "data: [DONE]\n\n";
    return s;
}

void BM_ParseStream40Chunks(benchmark::State& state) {
    const std::string body = stream_40_chunks();
    AllocationCounter counter(state);
    for (auto _ : state) {
        StreamAccumulator acc;
        SseParser sse;
        // Arrives in 1 KiB reads, as from a socket.
        for (std::size_t at = 0; at < body.size(); at += 1024) sse.feed(std::string_view(body).substr(at, 1024), acc);
        benchmark::DoNotOptimize(acc.finish(""));
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseStream40Chunks);

void BM_ToolArgumentsParseAndValidate(benchmark::State& state) {
    const std::string arguments = R"({"ticket_id":"4821","detail":2})";
    AllocationCounter counter(state);
    for (auto _ : state) {
        boost::json::value v = boost::json::parse(arguments);
        benchmark::DoNotOptimize(detail::from_json<LookupTicket>(v));
    }
}
BENCHMARK(BM_ToolArgumentsParseAndValidate);

void BM_HistorySlidingWindow200(benchmark::State& state) {
    const auto messages = conversation(200);
    HistorySlidingWindow policy(30);
    boost::asio::io_context io;
    AllocationCounter counter(state);
    for (auto _ : state) {
        Usage spent;
        auto f = boost::asio::co_spawn(io, policy.apply(messages, spent), boost::asio::use_future);
        io.restart();
        io.run();
        benchmark::DoNotOptimize(f.get());
    }
}
BENCHMARK(BM_HistorySlidingWindow200);

// One whole run with an in-process model: loop, checkpoint, tool dispatch, output parsing.
// With `tracer` set: the same run traced (4 spans: invoke_agent, 2 chat, execute_tool) into
// `Telemetry`'s metrics, exported nowhere. Untraced (the first), a run must allocate exactly
// what it did before tracing existed (docs/observability.md, "Cost").
void run_with_one_tool_call(benchmark::State& state, std::shared_ptr<RunTracer> tracer) {
    auto model = std::make_shared<agentroute::testkit::ScriptedModel>(
        std::vector{agentroute::testkit::ScriptedModel::tool_call("lookup_ticket", R"({"ticket_id":"4821"})"),
                    agentroute::testkit::ScriptedModel::text("done")},
        agentroute::testkit::ScriptedModelOptions{.per_run = true, .record = false});
    AgentOptions options{.name = "bench", .model = model, .instructions = "Look tickets up.", .max_cost = 100.0};
    options.tracer = std::move(tracer);
    Agent agent(std::move(options));
    agent.tool("lookup_ticket", "Look up a ticket.", [](const LookupTicket& a) { return "ticket " + a.ticket_id + ": open"; });
    boost::asio::io_context io;
    AllocationCounter counter(state);
    for (auto _ : state) {
        auto f = boost::asio::co_spawn(io, agent.run("Investigate ticket #4821"), boost::asio::use_future);
        io.restart();
        io.run();
        benchmark::DoNotOptimize(f.get());
    }
}

void BM_RunWithOneToolCall(benchmark::State& state) { run_with_one_tool_call(state, nullptr); }
BENCHMARK(BM_RunWithOneToolCall);

void BM_RunWithOneToolCallTraced(benchmark::State& state) {
    run_with_one_tool_call(state, std::make_shared<telemetry::Telemetry>());
}
BENCHMARK(BM_RunWithOneToolCallTraced);

}  // namespace

BENCHMARK_MAIN();
