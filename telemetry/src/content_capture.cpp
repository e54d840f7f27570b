#include "content_capture.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace agentroute::telemetry::detail {
namespace json = boost::json;
namespace {

const char* role_name(Role role) noexcept {
    switch (role) {
        case Role::system: return "system";
        case Role::developer: return "system";
        case Role::user: return "user";
        case Role::assistant: return "assistant";
        case Role::tool: return "tool";
    }
    return "user";
}

// Tool arguments are JSON text from the model; anything that does not parse goes as the text.
json::value arguments_value(const std::string& arguments) {
    boost::system::error_code ec;
    json::value parsed = json::parse(arguments, ec);
    if (ec) return json::value(arguments);
    return parsed;
}

const char* modality_of(ContentPart::Kind kind) noexcept {
    switch (kind) {
        case ContentPart::Kind::audio: return "audio";
        case ContentPart::Kind::video: return "video";
        default: return "image";
    }
}

// Images, files, audio and video go by reference: a URL when there is one, else only their kind
// (a data URL's or an audio part's bytes have no place on a span).
json::object media_part(const ContentPart& p) {
    const bool linked = p.url.starts_with("http://") || p.url.starts_with("https://");
    if (p.kind == ContentPart::Kind::file) {
        json::object part{{"type", "file"}, {"filename", p.filename}};
        if (linked) part["uri"] = p.url;
        return part;
    }
    if (linked) return json::object{{"type", "uri"}, {"modality", modality_of(p.kind)}, {"uri", p.url}};
    return json::object{{"type", "blob"}, {"modality", modality_of(p.kind)}, {"content", "(omitted)"}};
}

json::array parts_of(const Message& m) {
    json::array parts;
    if (m.role == Role::tool) {
        parts.push_back(json::object{{"type", "tool_call_response"}, {"id", m.tool_call_id}, {"response", m.content}});
        return parts;
    }
    if (!m.content.empty()) parts.push_back(json::object{{"type", "text"}, {"content", m.content}});
    for (const ContentPart& p : m.parts) {
        if (p.kind == ContentPart::Kind::text) {
            parts.push_back(json::object{{"type", "text"}, {"content", p.text}});
        } else if (p.kind == ContentPart::Kind::raw) {
            parts.push_back(json::object{{"type", "text"}, {"content", p.text}});
        } else {
            parts.push_back(media_part(p));
        }
    }
    for (const ToolCall& call : m.tool_calls) {
        parts.push_back(json::object{{"type", "tool_call"}, {"id", call.id}, {"name", call.name},
                                     {"arguments", arguments_value(call.arguments)}});
    }
    return parts;
}

}  // namespace

std::string input_messages_json(std::span<const Message> messages) {
    json::array out;
    for (const Message& m : messages) {
        if (m.role == Role::system) continue;  // gen_ai.system_instructions holds it
        out.push_back(json::object{{"role", role_name(m.role)}, {"parts", parts_of(m)}});
    }
    return json::serialize(out);
}

std::string output_messages_json(const Message& answer, std::string_view finish_reason) {
    json::object message{{"role", "assistant"}, {"parts", parts_of(answer)}};
    message["finish_reason"] = finish_reason.empty() ? json::string("stop") : json::string(finish_reason);
    return json::serialize(json::array{message});
}

std::string system_instructions_json(std::string_view instructions) {
    return json::serialize(json::array{json::object{{"type", "text"}, {"content", instructions}}});
}

}  // namespace agentroute::telemetry::detail
