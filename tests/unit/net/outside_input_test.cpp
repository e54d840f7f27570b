// Server input that once reached undefined behaviour or was read two ways: the reproducers in
// ../shared/repro, and the same two families (numbers that become counts, money or times;
// objects that repeat a key) across every reader of server JSON.

#include "catalogue.hpp"
#include "chat_facts.hpp"
#include "net_error.hpp"
#include "openrouter_wire.hpp"
#include "retry_policy.hpp"
#include "sse_parser.hpp"
#include "wire_numbers.hpp"

#include <agentroute/detail/describe_json.hpp>
#include <agentroute/errors.hpp>
#include <agentroute/tool.hpp>

#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace agentroute;
using namespace agentroute::net::detail;
namespace json = boost::json;

namespace {

std::string repro(const std::string& name) {
    const char* shared = std::getenv("AGENTROUTE_SHARED_DIR");
    const std::string path = std::string(shared ? shared : "../shared") + "/repro/" + name;
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in) << "cannot read " << path;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

WireOutcome stream_of(const std::string& events) {
    StreamAccumulator acc;
    SseParser sse;
    sse.feed(events, acc);
    return acc.finish("");
}

struct Measure {
    double x = 0;
    float y = 0;
    int n = 0;
};
BOOST_DESCRIBE_STRUCT(Measure, (), (x, y, n))

}  // namespace

// --- ../shared/repro ------------------------------------------------------------------------

TEST(OutsideInput, ReproRetryAfter1e300FailsFastWithoutAnUnboundedCast) {
    const WireError e = parse_error_body(503, repro("error-retry-after-1e300.json"));
    EXPECT_TRUE(e.retryable);
    EXPECT_EQ(e.retry_after_s, longest_retry_hint_s);  // clamped, still "too long"
    RetryOptions options;
    EXPECT_EQ(retry_delay(options, 0, true, e.retry_after_s), std::nullopt);  // fail fast, typed
    // The raw value, as any caller might pass it, is compared before any cast (UBSan-clean).
    EXPECT_EQ(retry_delay(options, 0, true, 1e300), std::nullopt);
    options.max_retry_after = std::chrono::milliseconds::max();
    EXPECT_EQ(retry_delay(options, 0, true, 1e300), std::chrono::milliseconds(31'536'000'000));
}

TEST(OutsideInput, ARetryHintThatIsNegativeOrNanIsNoHint) {
    EXPECT_EQ(retry_hint_seconds(-3), -1);
    EXPECT_EQ(retry_hint_seconds(std::nan("")), -1);
    EXPECT_EQ(retry_hint_seconds(2.5), 2.5);
    RetryOptions options;
    const auto nan_delay = retry_delay(options, 0, true, std::nan(""));
    ASSERT_TRUE(nan_delay);  // backoff, as with no hint
    EXPECT_LE(*nan_delay, options.max_delay);
    const WireError e = parse_error_body(
        503, R"({"error":{"message":"busy","availability":{"retryable":true,"retry_after":-5}}})");
    EXPECT_EQ(e.retry_after_s, -1);
}

TEST(OutsideInput, ReproDuplicateChoicesIsRefused) {
    const std::string body = repro("body-duplicate-choices.json");
    try {
        parse_chat_body(body, "");
        FAIL() << "a body with `choices` twice was accepted";
    } catch (const ErrorProtocol& e) {
        EXPECT_NE(std::string(e.what()).find("repeats a key"), std::string::npos) << e.what();
    }
}

TEST(OutsideInput, ReproToolArgument0e309IsACorrectionNotNan) {
    const json::value args = json::parse(repro("tool-args-0e309-nan.json"));
    try {
        (void)agentroute::detail::from_json<Measure>(args);
        FAIL() << "0e309 reached a double field";
    } catch (const agentroute::detail::SchemaMismatch& e) {
        EXPECT_NE(std::string(e.what()).find("finite"), std::string::npos) << e.what();
    }
}

TEST(OutsideInput, AFloatFieldRefusesWhatItCannotHold) {
    EXPECT_THROW((void)agentroute::detail::from_json<Measure>(json::parse(R"({"x":1,"y":1e300,"n":1})")),
                 agentroute::detail::SchemaMismatch);
    EXPECT_THROW((void)agentroute::detail::from_json<Measure>(json::parse(R"({"x":1e309,"y":1,"n":1})")),
                 agentroute::detail::SchemaMismatch);
    const Measure m = agentroute::detail::from_json<Measure>(json::parse(R"({"x":-2.5,"y":3e38,"n":4})"));
    EXPECT_EQ(m.x, -2.5);
    EXPECT_EQ(m.n, 4);
}

// --- duplicate keys: one rule for every reader -----------------------------------------------

TEST(OutsideInput, EveryReadKeyRepeatedAnywhereRefusesTheBody) {
    const char* bodies[] = {
        R"({"choices":[{"message":{"content":"a"}}],"choices":[{"message":{"content":"b"}}]})",
        R"({"choices":[{"message":{"content":"a","content":"b"}}]})",
        R"({"choices":[{"message":{"content":"a"},"message":{"content":"b"}}]})",
        R"({"choices":[{"message":{"content":"a"}}],"usage":{"cost":1,"cost":0}})",
        R"({"choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":1},"usage":{}})",
        R"({"error":{"message":"x"},"choices":[{"message":{"content":"a"}}],"error":null})",
        R"({"choices":[{"message":{"tool_calls":[{"id":"1","id":"2","function":{"name":"f"}}]}}]})",
        R"({"choices":[{"message":{"tool_calls":[{"function":{"name":"f","name":"g"}}]}}]})",
        R"({"id":"a","id":"b","choices":[{"message":{"content":"a"}}]})",
    };
    for (const char* body : bodies) {
        EXPECT_THROW(parse_chat_body(body, ""), ErrorProtocol) << body;
        // The DOM reads the same body without complaint: the readers would have disagreed.
        EXPECT_NO_THROW(json::parse(body)) << body;
    }
}

TEST(OutsideInput, KeysTheReaderIgnoresMayRepeat) {
    // Spelled the same in one object, at two levels, or in two objects: not duplicates.
    const WireOutcome out = parse_chat_body(
        R"({"object":"x","object":"y","choices":[{"message":{"content":"a","extra":1,"extra":2}},)"
        R"({"message":{"content":"b"}}],"usage":{"cost":0.5}})", "");
    ASSERT_TRUE(out.response);
    EXPECT_EQ(out.response->message.content, "a");
    // Inside a kept subtree (an error's metadata) the DOM's own rule holds: the last wins.
    const WireOutcome error = parse_chat_body(R"({"error":{"message":"first","message":"last"}})", "");
    ASSERT_TRUE(error.error);
    EXPECT_EQ(error.error->message, json::parse(R"({"message":"first","message":"last"})").at("message").as_string());
}

TEST(OutsideInput, AStreamEventThatRepeatsAKeyIsMalformed) {
    EXPECT_THROW(stream_of("data: {\"choices\":[{\"delta\":{\"content\":\"a\",\"content\":\"b\"}}]}\n\n"
                           "data: [DONE]\n\n"),
                 ErrorProtocol);
    EXPECT_THROW(stream_of("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"usage\":{\"cost\":1},"
                           "\"usage\":{\"cost\":0}}\n\ndata: [DONE]\n\n"),
                 ErrorProtocol);
}

TEST(OutsideInput, TheFakesRequestReaderHoldsTheSameRule) {
    using agentroute::testkit::detail::ChatFacts;
    using agentroute::testkit::detail::read_chat_facts;
    for (const char* body : {R"({"stream":false,"stream":true})",
                             R"({"tools":[{"function":{"name":"a","name":"b"}}]})",
                             R"({"messages":[{"role":"user","role":"tool"}]})"}) {
        ChatFacts facts{json::storage_ptr()};
        boost::system::error_code ec;
        read_chat_facts(body, facts, ec);
        EXPECT_EQ(ec, agentroute::net::error::duplicate_key) << body;
    }
    ChatFacts facts{json::storage_ptr()};
    boost::system::error_code ec;
    read_chat_facts(R"({"model":"a","model":"b","stream":true})", facts, ec);  // `model` is not read
    EXPECT_FALSE(ec);
    EXPECT_TRUE(facts.stream);
}

// --- numbers that become counts, money or times -----------------------------------------------

TEST(OutsideInput, ACostThatIsNoAmountIsUnknownNotAValue) {
    for (const char* cost : {"-0.5", "1e400", "-1e400"}) {
        const std::string body = std::string(R"({"choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":3,)"
                                             R"("completion_tokens":2,"cost":)") + cost + "}}";
        const WireOutcome out = parse_chat_body(body, "");
        EXPECT_FALSE(out.usage.cost_known) << cost;  // estimated from the catalogue, marked so
        EXPECT_EQ(out.usage.usage.total_cost_usd, 0) << cost;
        EXPECT_TRUE(std::isfinite(out.usage.usage.total_cost_usd));
    }
    const WireOutcome stream = stream_of(
        "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"usage\":{\"cost\":1e400}}\n\ndata: [DONE]\n\n");
    EXPECT_FALSE(stream.usage.cost_known);
    // Zero written with a huge exponent is zero, read from its text (Boost.JSON 1.81's own
    // conversion makes it infinity).
    const WireOutcome zero = parse_chat_body(
        R"({"choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":3,"completion_tokens":2,"cost":0e309}})", "");
    EXPECT_TRUE(zero.usage.cost_known);
    EXPECT_EQ(zero.usage.usage.total_cost_usd, 0);
}

TEST(OutsideInput, ATokenCountThatIsNoCountIsMarkedInvalid) {
    for (const char* count : {"-1", "1e300", "2.5", "18446744073709551615", "-1e300"}) {
        const std::string body = std::string(R"({"choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":)") +
                                 count + R"(,"completion_tokens":2,"cost":0.25}})";
        const WireOutcome out = parse_chat_body(body, "");
        ASSERT_NE(out.usage.invalid, nullptr) << count;
        EXPECT_STREQ(out.usage.invalid, "usage.prompt_tokens");
        EXPECT_EQ(out.usage.usage.input_tokens, 0);
        EXPECT_EQ(out.usage.usage.output_tokens, 2);
        EXPECT_EQ(out.usage.usage.total_cost_usd, 0.25);  // the bill is still counted
    }
    const WireOutcome fine = parse_chat_body(
        R"({"choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":3.0,"completion_tokens":0}})", "");
    EXPECT_EQ(fine.usage.invalid, nullptr);
    EXPECT_EQ(fine.usage.usage.input_tokens, 3);
}

TEST(OutsideInput, AnInBodyErrorCodeOutsideHttpStatusesReadsAs500) {
    for (const char* code : {"1e300", "-7", "99", "600", "4294967697"}) {
        const WireOutcome out = parse_chat_body(std::string(R"({"error":{"code":)") + code + R"(,"message":"m"}})", "");
        ASSERT_TRUE(out.error) << code;
        EXPECT_EQ(out.error->status, 500) << code;
    }
    EXPECT_EQ(parse_chat_body(R"({"error":{"code":429,"message":"m"}})", "").error->status, 429);
}

TEST(OutsideInput, CataloguePricesThatAreNoAmountsGiveNoPrice) {
    const auto catalogue = Catalogue::parse(R"({"data":[
        {"id":"openrouter/auto","pricing":{"prompt":"-1","completion":"-1"},"context_length":1e300},
        {"id":"x/inf","pricing":{"prompt":"inf","completion":"0.1"}},
        {"id":"x/nan","pricing":{"prompt":"nan","completion":"0.1"}},
        {"id":"x/junk","pricing":{"prompt":"0.1abc","completion":"0.1"}},
        {"id":"x/fine","pricing":{"prompt":"0.000001","completion":2e-6},"context_length":-5}]})");
    EXPECT_FALSE(catalogue->price("openrouter/auto").has_value());
    EXPECT_FALSE(catalogue->price("x/inf").has_value());
    EXPECT_FALSE(catalogue->price("x/nan").has_value());
    EXPECT_FALSE(catalogue->price("x/junk").has_value());
    ASSERT_TRUE(catalogue->price("x/fine"));
    EXPECT_EQ(catalogue->price("x/fine")->completion, 2e-6);
    for (const CatalogueEntry& e : catalogue->entries()) EXPECT_EQ(e.context_length, 0) << e.id;
}

TEST(OutsideInput, KeyAmountsThatAreNoAmountsAreNone) {
    const KeyInfo info = parse_key_info(R"({"data":{"label":"k","usage":-1e400,"limit":1e400}})");
    EXPECT_EQ(info.usage_usd, 0);
    EXPECT_EQ(info.limit_usd, std::nullopt);
    EXPECT_EQ(parse_key_info(R"({"data":{"usage":"1.5","limit":10}})").limit_usd, 10.0);
}

// --- what the readers keep is bounded ---------------------------------------------------------

namespace {

std::string many_zeros(std::size_t n) {
    std::string out;
    out.reserve(2 * n + 2);
    out += '[';
    for (std::size_t i = 0; i < n; ++i) out += i ? ",0" : "0";
    out += ']';
    return out;
}

}  // namespace

TEST(OutsideInput, KeptJsonWithTooManyValuesIsRefusedNotBuilt) {
    // 15.6 MB of tiny values under the 16 MiB cap once cost 785 MB as a DOM of reasoning_details.
    const std::string zeros = many_zeros(7'800'000);
    const std::string in_details = R"({"choices":[{"message":{"content":"a","reasoning_details":)" + zeros + "}}]}";
    try {
        parse_chat_body(in_details, "");
        FAIL() << "kept";
    } catch (const ErrorProtocol& e) {
        EXPECT_NE(std::string(e.what()).find("65536 JSON values"), std::string::npos) << e.what();
    }
    const std::string in_error = R"({"error":{"message":"x","metadata":)" + zeros + "}}";
    EXPECT_THROW(parse_chat_body(in_error, ""), ErrorProtocol);
    // Real ones are kept whole.
    const WireOutcome fine = parse_chat_body(
        R"({"choices":[{"message":{"content":"a","reasoning_details":)" + many_zeros(1000) + "}}]}", "");
    ASSERT_TRUE(fine.response);
    EXPECT_FALSE(fine.response->message.reasoning.empty());
}

TEST(OutsideInput, AStreamCannotPileUpReasoningDetails) {
    StreamAccumulator acc;
    SseParser sse;
    std::string events;
    for (int i = 0; i < 5000; ++i) {
        events += "data: {\"choices\":[{\"delta\":{\"reasoning_details\":[{\"type\":\"reasoning.text\",\"text\":\"t\",\"index\":" +
                  std::to_string(i) + "}]}}]}\n\n";
    }
    events += "data: [DONE]\n\n";
    sse.feed(events, acc);
    EXPECT_THROW(acc.finish(""), ErrorProtocol);
}
