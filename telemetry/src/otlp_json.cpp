#include "otlp_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <chrono>

namespace agentroute::telemetry::detail {
namespace json = boost::json;
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

std::string hex(const std::uint8_t* bytes, std::size_t n) {
    std::string out(2 * n, '0');
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = hex_digits[bytes[i] >> 4];
        out[2 * i + 1] = hex_digits[bytes[i] & 0xf];
    }
    return out;
}

std::string unix_nanos(std::chrono::system_clock::time_point t) {
    return std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

json::object any_value(const AttributeValue& value) {
    struct Visit {
        json::object operator()(const std::string& s) const { return {{"stringValue", s}}; }
        json::object operator()(std::int64_t i) const { return {{"intValue", std::to_string(i)}}; }
        json::object operator()(double d) const { return {{"doubleValue", d}}; }
        json::object operator()(bool b) const { return {{"boolValue", b}}; }
        json::object operator()(const std::vector<std::string>& items) const {
            json::array values;
            for (const std::string& s : items) values.push_back(json::object{{"stringValue", s}});
            return {{"arrayValue", json::object{{"values", std::move(values)}}}};
        }
    };
    return std::visit(Visit{}, value);
}

json::array attributes_of(const std::vector<Attribute>& attributes) {
    json::array out;
    out.reserve(attributes.size());
    for (const Attribute& a : attributes) out.push_back(json::object{{"key", a.key}, {"value", any_value(a.value)}});
    return out;
}

json::object span_json(const Span& s) {
    json::object out;
    out["traceId"] = hex(s.context.trace_id.data(), 16);
    out["spanId"] = hex(s.context.span_id.data(), 8);
    if (s.parent_span_id) out["parentSpanId"] = hex(s.parent_span_id->data(), 8);
    out["name"] = s.name;
    out["kind"] = static_cast<int>(s.kind);
    out["startTimeUnixNano"] = unix_nanos(s.start);
    out["endTimeUnixNano"] = unix_nanos(s.end);
    out["attributes"] = attributes_of(s.attributes);
    if (s.status != StatusCode::unset) {
        json::object status{{"code", static_cast<int>(s.status)}};
        if (!s.status_message.empty()) status["message"] = s.status_message;
        out["status"] = std::move(status);
    }
    return out;
}

}  // namespace

std::string otlp_traces_json(std::span<const Span> spans, std::string_view service_name) {
    json::array span_list;
    span_list.reserve(spans.size());
    for (const Span& s : spans) span_list.push_back(span_json(s));
    json::object scope{{"name", "agentroute"}, {"version", "0.1.0"}};
    json::object scope_spans{{"scope", std::move(scope)}, {"spans", std::move(span_list)}};
    json::object resource{{"attributes", json::array{json::object{{"key", "service.name"},
                                                                 {"value", json::object{{"stringValue", service_name}}}}}}};
    json::object resource_spans{{"resource", std::move(resource)}, {"scopeSpans", json::array{std::move(scope_spans)}}};
    return json::serialize(json::object{{"resourceSpans", json::array{std::move(resource_spans)}}});
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
