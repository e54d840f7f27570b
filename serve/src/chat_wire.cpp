#include "chat_wire.hpp"

#include "json_writer.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace agentroute::serve::detail {

namespace json = boost::json;
using net::detail::append_json_string;

namespace {

std::string describe(const json::value& v) {
    switch (v.kind()) {
        case json::kind::null: return "null";
        case json::kind::bool_: return "a boolean";
        case json::kind::string: return "a string";
        case json::kind::array: return "an array";
        case json::kind::object: return "an object";
        default: return "a number";
    }
}

ApiFailure wrong_type(std::string_view param, std::string_view want, const json::value& got) {
    return bad_request(std::string(param) + " must be " + std::string(want) + ", not " + describe(got),
                       std::string(param));
}

std::string text(const json::value& v, std::string_view param) {
    if (!v.is_string()) throw wrong_type(param, "a string", v);
    return std::string(v.get_string());
}

double number(const json::value& v, std::string_view param) {
    if (v.is_double()) return v.get_double();
    if (v.is_int64()) return static_cast<double>(v.get_int64());
    if (v.is_uint64()) return static_cast<double>(v.get_uint64());
    throw wrong_type(param, "a number", v);
}

std::int64_t integer(const json::value& v, std::string_view param) {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        return static_cast<std::int64_t>(v.get_uint64());
    }
    if (v.is_double() && std::trunc(v.get_double()) == v.get_double() && std::abs(v.get_double()) < 9e15) {
        return static_cast<std::int64_t>(v.get_double());
    }
    throw wrong_type(param, "an integer", v);
}

bool boolean(const json::value& v, std::string_view param) {
    if (!v.is_bool()) throw wrong_type(param, "a boolean", v);
    return v.get_bool();
}

const json::object& object(const json::value& v, std::string_view param) {
    if (!v.is_object()) throw wrong_type(param, "an object", v);
    return v.get_object();
}

ContentPart read_part(const json::value& v, const std::string& param) {
    const json::object& part = object(v, param);
    const json::value* type = part.if_contains("type");
    if (!type || !type->is_string()) throw bad_request(param + ".type must be a string", param + ".type");
    const std::string_view t = type->get_string();
    auto member = [&](std::string_view name) -> const json::value& {
        const json::value* m = part.if_contains(name);
        if (!m) throw bad_request(param + " of type " + std::string(t) + " needs " + std::string(name), param);
        return *m;
    };
    if (t == "text") return content::text(text(member("text"), param + ".text"));
    if (t == "image_url") {
        const json::value& image = member("image_url");
        if (image.is_string()) return content::image_url(std::string(image.get_string()));
        const json::object& o = object(image, param + ".image_url");
        const json::value* url = o.if_contains("url");
        if (!url) throw bad_request(param + ".image_url needs url", param + ".image_url.url");
        std::string detail;
        if (const json::value* d = o.if_contains("detail"); d && !d->is_null()) detail = text(*d, param + ".image_url.detail");
        return content::image_url(text(*url, param + ".image_url.url"), std::move(detail));
    }
    if (t == "input_audio") {
        const json::object& o = object(member("input_audio"), param + ".input_audio");
        const json::value* data = o.if_contains("data");
        const json::value* format = o.if_contains("format");
        if (!data || !format) throw bad_request(param + ".input_audio needs data and format", param + ".input_audio");
        ContentPart p;
        p.kind = ContentPart::Kind::audio;
        p.data = text(*data, param + ".input_audio.data");
        p.format = text(*format, param + ".input_audio.format");
        return p;
    }
    if (t == "file") {
        const json::object& o = object(member("file"), param + ".file");
        if (o.contains("file_id")) {
            throw bad_request("uploaded files (file_id) are not kept by this server: send file_data", param + ".file.file_id");
        }
        const json::value* data = o.if_contains("file_data");
        if (!data) throw bad_request(param + ".file needs file_data", param + ".file.file_data");
        std::string filename;
        if (const json::value* f = o.if_contains("filename"); f && !f->is_null()) filename = text(*f, param + ".file.filename");
        return content::file_url(text(*data, param + ".file.file_data"), std::move(filename));
    }
    throw bad_request(param + ".type " + std::string(t) + " is not a content part this server takes", param + ".type");
}

// A message's content: its text and, when it came as parts, the parts.
void read_content(const json::value& v, const std::string& param, Message& m) {
    if (v.is_null()) return;
    if (v.is_string()) {
        m.content = std::string(v.get_string());
        return;
    }
    if (!v.is_array()) throw wrong_type(param, "a string or an array of parts", v);
    const json::array& parts = v.get_array();
    for (std::size_t i = 0; i < parts.size(); ++i) m.parts.push_back(read_part(parts[i], param + "[" + std::to_string(i) + "]"));
    m.content = Message::text_of(m.parts);
    // Text only: a plain message, as the agent would have built it.
    const bool all_text = std::all_of(m.parts.begin(), m.parts.end(),
                                      [](const ContentPart& p) { return p.kind == ContentPart::Kind::text && !p.cache_control; });
    if (all_text) m.parts.clear();
}

std::vector<ToolCall> read_tool_calls(const json::value& v, const std::string& param) {
    if (!v.is_array()) throw wrong_type(param, "an array", v);
    std::vector<ToolCall> calls;
    const json::array& a = v.get_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string p = param + "[" + std::to_string(i) + "]";
        const json::object& call = object(a[i], p);
        const json::value* id = call.if_contains("id");
        const json::value* function = call.if_contains("function");
        if (!id || !function) throw bad_request(p + " needs id and function", p);
        const json::object& f = object(*function, p + ".function");
        const json::value* name = f.if_contains("name");
        if (!name) throw bad_request(p + ".function needs name", p + ".function.name");
        ToolCall c;
        c.id = text(*id, p + ".id");
        c.name = text(*name, p + ".function.name");
        if (const json::value* args = f.if_contains("arguments"); args && !args->is_null()) {
            c.arguments = text(*args, p + ".function.arguments");
        }
        calls.push_back(std::move(c));
    }
    return calls;
}

Message read_message(const json::value& v, const std::string& param) {
    const json::object& o = object(v, param);
    const json::value* role = o.if_contains("role");
    if (!role) throw bad_request(param + " needs a role", param + ".role");
    const std::string r = text(*role, param + ".role");
    Message m;
    if (r == "user") m.role = Role::user;
    else if (r == "assistant") m.role = Role::assistant;
    else if (r == "system" || r == "developer") m.role = Role::developer;
    else if (r == "tool") m.role = Role::tool;
    else throw bad_request(param + ".role " + r + " is not one of system, developer, user, assistant, tool", param + ".role");
    for (const auto& member : o) {
        const std::string key(member.key());
        const json::value& value = member.value();
        if (key == "role" || key == "name" || key == "refusal" || key == "annotations" || key == "audio") continue;
        if (key == "content") {
            read_content(value, param + ".content", m);
        } else if (key == "tool_calls" && m.role == Role::assistant) {
            if (!value.is_null()) m.tool_calls = read_tool_calls(value, param + ".tool_calls");
        } else if (key == "tool_call_id" && m.role == Role::tool) {
            m.tool_call_id = text(value, param + ".tool_call_id");
        } else {
            throw bad_request(param + " has an unknown field " + key, param + "." + key);
        }
    }
    if (!o.contains("content") && m.role != Role::assistant) throw bad_request(param + " needs content", param + ".content");
    if (m.role == Role::tool && m.tool_call_id.empty()) throw bad_request(param + " needs tool_call_id", param + ".tool_call_id");
    return m;
}

std::vector<std::string> read_stop(const json::value& v) {
    if (v.is_string()) return {std::string(v.get_string())};
    if (!v.is_array()) throw wrong_type("stop", "a string or an array of strings", v);
    std::vector<std::string> stop;
    for (const json::value& s : v.get_array()) stop.push_back(text(s, "stop[]"));
    return stop;
}

void read_member(ChatCall& call, std::string_view key, const json::value& v, bool& saw_messages,
                 std::vector<Message>& messages) {
    ModelSettings& s = call.settings;
    if (key == "model") {
        call.model = text(v, "model");
    } else if (key == "messages") {
        if (!v.is_array()) throw wrong_type("messages", "an array", v);
        saw_messages = true;
        const json::array& a = v.get_array();
        for (std::size_t i = 0; i < a.size(); ++i) messages.push_back(read_message(a[i], "messages[" + std::to_string(i) + "]"));
    } else if (v.is_null()) {
        return;  // what a client left unset: OpenAI takes null for every optional field
    } else if (key == "stream") {
        call.stream = boolean(v, "stream");
    } else if (key == "stream_options") {
        for (const auto& m : object(v, "stream_options")) {
            if (m.key() != "include_usage") throw bad_request("stream_options has an unknown field " + std::string(m.key()), "stream_options");
            call.include_usage = boolean(m.value(), "stream_options.include_usage");
        }
    } else if (key == "temperature") {
        s.temperature = number(v, key);
    } else if (key == "top_p") {
        s.top_p = number(v, key);
    } else if (key == "frequency_penalty") {
        s.frequency_penalty = number(v, key);
    } else if (key == "presence_penalty") {
        s.presence_penalty = number(v, key);
    } else if (key == "seed") {
        s.seed = integer(v, key);
    } else if (key == "stop") {
        s.stop = read_stop(v);
    } else if (key == "max_tokens" || key == "max_completion_tokens") {
        const std::int64_t n = integer(v, key);
        if (n < 1) throw bad_request(std::string(key) + " must be at least 1", std::string(key));
        s.max_tokens = n;
    } else if (key == "user") {
        s.user = text(v, key);
    } else if (key == "reasoning_effort") {
        s.reasoning = ReasoningSettings{.effort = text(v, key)};
    } else if (key == "n") {
        if (integer(v, key) != 1) throw bad_request("n must be 1: an agent gives one answer", "n");
    } else if (key == "logprobs") {
        if (boolean(v, key)) throw bad_request("logprobs are not available from an agent", "logprobs");
    } else if (key == "response_format") {
        const json::object& f = object(v, key);
        const json::value* type = f.if_contains("type");
        if (!type || !type->is_string() || type->get_string() != "text") {
            throw bad_request("response_format: the agent's output type decides the format; only {\"type\":\"text\"} is taken",
                              "response_format");
        }
    } else if (key == "tools" || key == "functions") {
        if (!v.is_array()) throw wrong_type(key, "an array", v);
        if (!v.get_array().empty()) {
            throw bad_request("the agent's tools run on the server; this endpoint takes no client tools", std::string(key));
        }
    } else if (key == "tool_choice" || key == "function_call" || key == "parallel_tool_calls" || key == "store" ||
               key == "metadata" || key == "service_tier" || key == "modalities") {
        // About tools the client does not offer, or server-side storage this server does not
        // do: nothing to apply.
    } else {
        throw bad_request("Unrecognized request argument supplied: " + std::string(key), std::string(key));
    }
}

void append_number(std::string& out, double value) {
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, std::isfinite(value) ? value : 0.0);
    out.append(buffer, end);
}

void append_int(std::string& out, std::int64_t value) {
    char buffer[24];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, end);
}

void append_chunk_head(std::string& out, const AnswerIds& ids) {
    out += R"(data: {"id":)";
    append_json_string(out, ids.id);
    out += R"(,"object":"chat.completion.chunk","created":)";
    append_int(out, ids.created);
    out += R"(,"model":)";
    append_json_string(out, ids.model);
    out += R"(,"system_fingerprint":null,"choices":)";
}

}  // namespace

ChatCall read_chat_call(std::string_view body) {
    boost::system::error_code ec;
    const json::value v = json::parse(body, ec);
    if (ec) throw bad_request("the request body is not JSON: " + ec.message());
    if (!v.is_object()) throw bad_request("the request body must be a JSON object");
    ChatCall call;
    bool saw_messages = false;
    std::vector<Message> messages;
    for (const auto& member : v.get_object()) read_member(call, member.key(), member.value(), saw_messages, messages);
    if (call.model.empty()) throw bad_request("you must provide a model parameter (the agent's name)", "model");
    if (!saw_messages || messages.empty()) throw bad_request("messages must hold at least one message", "messages");
    Message& last = messages.back();
    if (last.role != Role::user) {
        throw bad_request("the last message must be the user's: the agent answers it", "messages");
    }
    call.prompt = std::move(last.content);
    for (ContentPart& p : last.parts) {
        if (p.kind != ContentPart::Kind::text) call.attachments.push_back(std::move(p));
    }
    messages.pop_back();
    call.history = std::move(messages);
    return call;
}

void append_usage(std::string& out, const Usage& u) {
    out += R"("usage":{"prompt_tokens":)";
    append_int(out, u.input_tokens);
    out += R"(,"completion_tokens":)";
    append_int(out, u.output_tokens);
    out += R"(,"total_tokens":)";
    append_int(out, u.input_tokens + u.output_tokens);
    out += R"(,"prompt_tokens_details":{"cached_tokens":)";
    append_int(out, u.cached_input_tokens);
    out += R"(},"completion_tokens_details":{"reasoning_tokens":)";
    append_int(out, u.reasoning_tokens);
    out += R"(},"cost":)";
    append_number(out, u.total_cost_usd);
    out += '}';
}

std::string completion_json(const AnswerIds& ids, std::string_view text, const Usage& usage) {
    std::string out;
    out.reserve(text.size() + 400);
    out += R"({"id":)";
    append_json_string(out, ids.id);
    out += R"(,"object":"chat.completion","created":)";
    append_int(out, ids.created);
    out += R"(,"model":)";
    append_json_string(out, ids.model);
    out += R"(,"system_fingerprint":null,"choices":[{"index":0,"message":{"role":"assistant","content":)";
    append_json_string(out, text);
    out += R"(,"refusal":null},"logprobs":null,"finish_reason":"stop"}],)";
    append_usage(out, usage);
    out += '}';
    return out;
}

std::string role_chunk(const AnswerIds& ids) {
    std::string out;
    append_chunk_head(out, ids);
    out += R"([{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]})";
    out += "\n\n";
    return out;
}

void append_text_chunk(std::string& out, const AnswerIds& ids, std::string_view text) {
    append_chunk_head(out, ids);
    out += R"([{"index":0,"delta":{"content":)";
    append_json_string(out, text);
    out += R"(},"logprobs":null,"finish_reason":null}]})";
    out += "\n\n";
}

std::string finish_chunk(const AnswerIds& ids) {
    std::string out;
    append_chunk_head(out, ids);
    out += R"([{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]})";
    out += "\n\n";
    return out;
}

std::string usage_chunk(const AnswerIds& ids, const Usage& usage) {
    std::string out;
    append_chunk_head(out, ids);
    out += "[],";
    append_usage(out, usage);
    out += "}\n\n";
    return out;
}

std::string error_json(const ApiError& e) {
    std::string out = R"({"error":{"message":)";
    append_json_string(out, e.message);
    out += R"(,"type":)";
    append_json_string(out, e.type);
    out += R"(,"param":)";
    if (e.param.empty()) out += "null";
    else append_json_string(out, e.param);
    out += R"(,"code":)";
    if (e.code.empty()) out += "null";
    else append_json_string(out, e.code);
    out += "}}";
    return out;
}

std::string error_event(const ApiError& error) { return "data: " + error_json(error) + "\n\n"; }

std::string progress_comment(std::string_view what) {
    std::string out = ": ";
    for (char c : what) out += (c == '\n' || c == '\r') ? ' ' : c;  // one line, whatever a name holds
    out += "\n\n";
    return out;
}

std::string models_json(const std::vector<std::string>& names, std::int64_t created) {
    std::string out = R"({"object":"list","data":[)";
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i) out += ',';
        out += R"({"id":)";
        append_json_string(out, names[i]);
        out += R"(,"object":"model","created":)";
        append_int(out, created);
        out += R"(,"owned_by":"agentroute"})";
    }
    out += "]}";
    return out;
}

std::string conversation_json(std::string_view id, const std::vector<Message>& messages) {
    json::array list;
    for (const Message& m : messages) {
        json::object o;
        o["role"] = to_string(m.role);
        if (m.role == Role::assistant && m.content.empty() && !m.tool_calls.empty()) o["content"] = nullptr;
        else o["content"] = m.content;
        if (!m.tool_calls.empty()) {
            json::array calls;
            for (const ToolCall& c : m.tool_calls) {
                calls.push_back(json::object{{"id", c.id},
                                             {"type", "function"},
                                             {"function", json::object{{"name", c.name}, {"arguments", c.arguments}}}});
            }
            o["tool_calls"] = std::move(calls);
        }
        if (m.role == Role::tool) o["tool_call_id"] = m.tool_call_id;
        list.push_back(std::move(o));
    }
    return json::serialize(json::object{{"object", "conversation"}, {"id", id}, {"messages", std::move(list)}});
}

}  // namespace agentroute::serve::detail
