#include "otlp_json.hpp"

#include "json_writer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <chrono>
#include <cmath>

namespace agentroute::telemetry::detail {
namespace json = boost::json;
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex(std::string& out, const std::uint8_t* bytes, std::size_t n) {
    out += '"';
    for (std::size_t i = 0; i < n; ++i) {
        out += hex_digits[bytes[i] >> 4];
        out += hex_digits[bytes[i] & 0xf];
    }
    out += '"';
}

// int64 and fixed64 go as decimal strings, as the JSON mapping writes them.
void append_quoted_integer(std::string& out, long long value) {
    char buffer[24];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out += '"';
    out.append(buffer, end);
    out += '"';
}

void append_unix_nanos(std::string& out, std::chrono::system_clock::time_point t) {
    append_quoted_integer(out, std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

void append_double(std::string& out, double d) {
    if (!std::isfinite(d)) {  // JSON has no NaN or infinity; the mapping spells them as strings
        out += std::isnan(d) ? "\"NaN\"" : d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
        return;
    }
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, d);
    out.append(buffer, end);
}

void append_any_value(std::string& out, const AttributeValue& value) {
    struct Visit {
        std::string& out;
        void operator()(const std::string& s) const {
            out += R"({"stringValue":)";
            net::detail::append_json_string(out, s);
            out += '}';
        }
        void operator()(std::int64_t i) const {
            out += R"({"intValue":)";
            append_quoted_integer(out, i);
            out += '}';
        }
        void operator()(double d) const {
            out += R"({"doubleValue":)";
            append_double(out, d);
            out += '}';
        }
        void operator()(bool b) const { out += b ? R"({"boolValue":true})" : R"({"boolValue":false})"; }
        void operator()(const std::vector<std::string>& items) const {
            out += R"({"arrayValue":{"values":[)";
            for (std::size_t i = 0; i < items.size(); ++i) {
                if (i) out += ',';
                (*this)(items[i]);
            }
            out += "]}}";
        }
    };
    std::visit(Visit{out}, value);
}

}  // namespace

void append_span_json(std::string& out, const Span& s) {
    out += R"({"traceId":)";
    append_hex(out, s.context.trace_id.data(), 16);
    out += R"(,"spanId":)";
    append_hex(out, s.context.span_id.data(), 8);
    if (s.parent_span_id) {
        out += R"(,"parentSpanId":)";
        append_hex(out, s.parent_span_id->data(), 8);
    }
    out += R"(,"name":)";
    net::detail::append_json_string(out, s.name);
    out += R"(,"kind":)";
    out += static_cast<char>('0' + static_cast<int>(s.kind));
    out += R"(,"startTimeUnixNano":)";
    append_unix_nanos(out, s.start);
    out += R"(,"endTimeUnixNano":)";
    append_unix_nanos(out, s.end);
    out += R"(,"attributes":[)";
    for (std::size_t i = 0; i < s.attributes.size(); ++i) {
        if (i) out += ',';
        out += R"({"key":)";
        net::detail::append_json_string(out, s.attributes[i].key);
        out += R"(,"value":)";
        append_any_value(out, s.attributes[i].value);
        out += '}';
    }
    out += ']';
    if (s.status != StatusCode::unset) {
        out += R"(,"status":{"code":)";
        out += static_cast<char>('0' + static_cast<int>(s.status));
        if (!s.status_message.empty()) {
            out += R"(,"message":)";
            net::detail::append_json_string(out, s.status_message);
        }
        out += '}';
    }
    out += '}';
}

std::string otlp_traces_json(std::string_view spans, std::string_view service_name) {
    std::string out;
    out.reserve(spans.size() + service_name.size() + 256);
    out += R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":)";
    net::detail::append_json_string(out, service_name);
    out += R"(}}]},"scopeSpans":[{"scope":{"name":"agentroute","version":"0.1.0"},"spans":[)";
    out += spans;
    out += "]}]}]}";
    return out;
}

std::uint64_t otlp_rejected_spans(std::string_view body) noexcept {
    boost::system::error_code ec;
    const json::value v = json::parse(body, ec);
    if (ec || !v.is_object()) return 0;
    const json::value* partial = v.as_object().if_contains("partialSuccess");
    if (!partial || !partial->is_object()) return 0;
    const json::value* rejected = partial->as_object().if_contains("rejectedSpans");
    if (!rejected) return 0;
    // int64 in the JSON mapping: a string or a number.
    if (rejected->is_string()) {
        try {
            return std::stoull(std::string(rejected->as_string()));
        } catch (...) {
            return 0;
        }
    }
    if (rejected->is_int64() && rejected->as_int64() > 0) return static_cast<std::uint64_t>(rejected->as_int64());
    if (rejected->is_uint64()) return rejected->as_uint64();
    return 0;
}

}  // namespace agentroute::telemetry::detail
