#include "scenario_answer.hpp"

#include "json_writer.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace agentroute::testkit::detail {

namespace {

using net::detail::append_json_string;

template <class Number>
void append_number(std::string& out, Number value) {
    char digits[32];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, end);
}

void append_head(std::string& out, const ScenarioAnswer& a, std::string_view object) {
    out += R"({"id":)";
    append_json_string(out, a.generation_id);
    out += R"(,"provider":"Fake","model":"fake/model","object":")";
    out += object;
    out += R"(","created":1700000000)";
}

void append_usage(std::string& out, const ScenarioAnswer& a) {
    out += R"("usage":{"prompt_tokens":)";
    append_number(out, a.prompt_tokens);
    out += R"(,"completion_tokens":)";
    append_number(out, a.completion_tokens);
    out += R"(,"total_tokens":)";
    append_number(out, a.prompt_tokens + a.completion_tokens);
    out += R"(,"cost":)";
    append_number(out, a.cost);
    out += R"(,"is_byok":false})";
}

void append_call_id(std::string& out, const ScenarioAnswer& a, int k) {
    out += R"("call_)";
    out += a.generation_id;  // "gen-fake-<n>": nothing to escape
    if (k > 0) {
        out += '_';
        out += std::to_string(k);
    }
    out += '"';
}

// The `i`th of `count` pieces of `text`, cut where a UTF-8 character starts: a piece that
// ended inside a character would be invalid JSON text, which a client rightly refuses.
std::string_view piece(std::string_view text, std::size_t i, std::size_t count) {
    const auto boundary = [text](std::size_t at) {
        at = std::min(at, text.size());
        while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) ++at;
        return at;
    };
    const std::size_t size = (text.size() + count - 1) / count;
    const std::size_t begin = boundary(i * size);
    return text.substr(begin, boundary((i + 1) * size) - begin);
}

// One streamed event whose delta is `delta` (an object's members) and whose finish reason
// is `finish` ("null" or a quoted reason).
void append_event(std::string& out, const ScenarioAnswer& a, std::string_view delta, std::string_view finish) {
    out += "data: ";
    append_head(out, a, "chat.completion.chunk");
    out += R"(,"choices":[{"index":0,"delta":{)";
    out += delta;
    out += R"(},"finish_reason":)";
    out += finish;
    out += "}]}\n\n";
}

}  // namespace

std::string answer_body(const ScenarioAnswer& a) {
    const bool tool_call = !a.tool_name.empty();
    std::string out;
    out.reserve(640 + a.arguments.size() + a.text.size());
    out += "\n         \n";
    append_head(out, a, "chat.completion");
    out += tool_call              ? R"(,"choices":[{"index":0,"finish_reason":"tool_calls","native_finish_reason":"tool_calls",)"
           : a.cut_at_max_tokens ? R"(,"choices":[{"index":0,"finish_reason":"length","native_finish_reason":"length",)"
                                 : R"(,"choices":[{"index":0,"finish_reason":"stop","native_finish_reason":"stop",)";
    if (tool_call) {
        out += R"("message":{"role":"assistant","content":null,"tool_calls":[)";
        for (int k = 0; k < a.tool_calls; ++k) {
            out += k ? R"(,{"id":)" : R"({"id":)";
            append_call_id(out, a, k);
            out += R"(,"type":"function","index":)";
            out += std::to_string(k);
            out += R"(,"function":{"name":)";
            append_json_string(out, a.tool_name);
            out += R"(,"arguments":)";
            append_json_string(out, a.arguments);
            out += "}}";
        }
        out += "]}}],";
    } else {
        out += R"("message":{"role":"assistant","content":)";
        append_json_string(out, a.text);
        out += "}}],";
    }
    append_usage(out, a);
    out += '}';
    return out;
}

std::string answer_events(const ScenarioAnswer& a) {
    std::string out(keepalive_comment);
    out.reserve(4096);
    std::string delta;
    for (int k = 0; !a.tool_name.empty() && k < a.tool_calls; ++k) {
        for (std::size_t i = 0; i < 3; ++i) {
            delta = R"("role":"assistant","content":null,"tool_calls":[{"index":)";
            delta += std::to_string(k);
            delta += R"(,"type":"function",)";
            if (i == 0) {
                delta += R"("id":)";
                append_call_id(delta, a, k);
                delta += ',';
            }
            delta += R"("function":{"arguments":)";
            append_json_string(delta, piece(a.arguments, i, 3));
            if (i == 0) {
                delta += R"(,"name":)";
                append_json_string(delta, a.tool_name);
            }
            delta += "}}]";
            append_event(out, a, delta, "null");
        }
    }
    if (!a.tool_name.empty()) {
        append_event(out, a, R"("role":"assistant","content":"")", R"("tool_calls")");
    } else {
        for (std::size_t i = 0; i < 10; ++i) {
            const std::string_view part = piece(a.text, i, 10);
            if (part.empty()) continue;
            delta = R"("role":"assistant","content":)";
            append_json_string(delta, part);
            append_event(out, a, delta, "null");
        }
        append_event(out, a, R"("role":"assistant","content":"")", a.cut_at_max_tokens ? R"("length")" : R"("stop")");
    }
    out += "data: ";
    append_head(out, a, "chat.completion.chunk");
    out += R"(,"choices":[],)";
    append_usage(out, a);
    out += "}\n\ndata: [DONE]\n\n";
    return out;
}

}  // namespace agentroute::testkit::detail
