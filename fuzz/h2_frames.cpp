// HTTP/2 frames from a hostile server through the client's whole session: any bytes, written
// by the fake after its own SETTINGS in place of an answer to the request on stream 1, then
// the connection closes. The first byte picks a streamed or a whole answer. What must hold:
// the call ends (the client's timeouts bound it) in an answer or an `ErrorAgent`, and the
// client's next call on a sound answer works.

#include "fuzz_input.hpp"

#include <agentroute/errors.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>

using namespace agentroute;
using namespace std::chrono_literals;

namespace {

struct Rig {
    testkit::FakeOpenRouter fake{testkit::FakeOpenRouterOptions{}};
    std::shared_ptr<OpenRouterModel> streamed = model(true), whole = model(false);

    std::shared_ptr<OpenRouterModel> model(bool stream) const {
        OpenRouterOptions o;
        o.model = "anthropic/claude-sonnet-4.5";
        o.api_key = "sk-or-fuzz";
        o.base_url = fake.base_url();
        o.https.ca_file = fake.ca_file();
        o.https.http2 = true;
        o.https.header_timeout = 300ms;
        o.https.idle_timeout = 300ms;
        o.https.settle_timeout = 50ms;
        o.retry.max_attempts = 1;
        o.stream = stream;
        return std::make_shared<OpenRouterModel>(o);
    }
};

Rig& rig() {
    static Rig* r = new Rig;  // never destroyed: the fuzzer exits without unwinding
    return *r;
}

// One call; false when it ended in anything but an answer or (unless `must_answer`) an
// ErrorAgent.
bool call(OpenRouterModel& model, bool must_answer = false) {
    const std::vector<Message> messages{Message::user("Investigate ticket #4821")};
    ModelRequest request;
    request.messages = messages;
    boost::asio::io_context io;
    auto future = boost::asio::co_spawn(io, model.request(std::move(request)), boost::asio::use_future);
    io.run();
    try {
        future.get();
    } catch (const ErrorAgent& e) {
        if (!must_answer) return true;
        std::fprintf(stderr, "a sound answer failed after a hostile one: %s\n", e.what());
        return false;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "not an ErrorAgent: %s\n", e.what());
        return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input input(data, size);
    OpenRouterModel& model = (input.byte() & 1) ? *rig().streamed : *rig().whole;
    testkit::FakeFault fault;
    fault.kind = testkit::FakeFault::Kind::raw_h2_frames;
    fault.frames = std::string(input.rest());
    rig().fake.push_fault(std::move(fault));
    if (!call(model)) std::abort();
    // The client is not left broken: a sound answer on the next call.
    static int sound_every = 0;
    if (++sound_every % 64 == 0 && !call(model, true)) std::abort();
    return 0;
}
