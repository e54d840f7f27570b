#include "fake_logic.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace agentroute::testing::detail {

namespace json = boost::json;

namespace {

constexpr const char* keepalive_comment = ": OPENROUTER PROCESSING\n\n";

// A JSON value with object keys sorted, so recorded and live requests compare equal.
json::value canonical(const json::value& v) {
    if (v.is_object()) {
        std::vector<std::pair<std::string, json::value>> members;
        for (const auto& kv : v.get_object()) members.emplace_back(std::string(kv.key()), canonical(kv.value()));
        std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        json::object o;
        for (auto& [k, value] : members) o[k] = std::move(value);
        return o;
    }
    if (v.is_array()) {
        json::array a;
        for (const auto& item : v.get_array()) a.push_back(canonical(item));
        return a;
    }
    return v;
}

std::string messages_key(const json::value& body) {
    if (!body.is_object()) return {};
    const json::value* messages = body.get_object().if_contains("messages");
    return messages ? json::serialize(canonical(*messages)) : std::string();
}

// Required parameters filled as the peers' fake does: strings "x", numbers 1, booleans true,
// enums their first member, objects recursively.
json::value fill(const json::value& schema, const json::storage_ptr& sp) {
    if (!schema.is_object()) return json::value(nullptr, sp);
    const json::object& s = schema.get_object();
    if (const auto* e = s.if_contains("enum"); e && e->is_array() && !e->get_array().empty()) return json::value(e->get_array()[0], sp);
    const json::value* type = s.if_contains("type");
    const std::string_view t = type && type->is_string() ? std::string_view(type->get_string()) : "object";
    if (t == "string") return json::value("x", sp);
    if (t == "integer" || t == "number") return json::value(1, sp);
    if (t == "boolean") return json::value(true, sp);
    if (t == "array") return json::array(sp);
    json::object out(sp);
    const json::value* props = s.if_contains("properties");
    if (const json::value* required = s.if_contains("required"); required && required->is_array() && props && props->is_object()) {
        for (const auto& name : required->get_array()) {
            if (!name.is_string()) continue;
            if (const json::value* p = props->get_object().if_contains(name.get_string())) {
                out[name.get_string()] = fill(*p, sp);
            }
        }
    }
    return out;
}

std::string error_body(int code, const std::string& message) {
    return json::serialize(json::object{{"error", json::object{{"code", code}, {"message", message}}}});
}

// One SSE event, serialized straight onto `out` (no string per event).
void append_sse(std::string& out, const json::value& v) {
    out += "data: ";
    json::serializer writer;
    writer.reset(&v);
    char buffer[1024];
    while (!writer.done()) out += writer.read(buffer, sizeof buffer);
    out += "\n\n";
}

std::string sse(const json::value& v) {
    std::string out;
    append_sse(out, v);
    return out;
}

json::object chunk_envelope(const std::string& id, json::storage_ptr sp = {}) {
    return json::object({{"id", id},
                         {"provider", "Fake"},
                         {"model", "fake/model"},
                         {"object", "chat.completion.chunk"},
                         {"created", 1700000000}},
                        std::move(sp));
}

}  // namespace

FakeLogic::FakeLogic(const FakeOpenRouterOptions& options) : options_(options) {
    if (!options_.replay_dir.empty()) load_replay(options_.replay_dir);
}

void FakeLogic::load_replay(const std::string& dir) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".json") continue;
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        boost::system::error_code ec;
        json::value v = json::parse(text.str(), ec);
        if (ec || !v.is_object()) continue;
        const json::value* request = v.get_object().if_contains("request");
        const json::value* response = v.get_object().if_contains("response");
        if (!request || !response || !request->is_object() || !response->is_object()) continue;
        const json::value* body = request->get_object().if_contains("body");
        if (!body) continue;
        RecordedResponse r;
        const json::object& resp = response->get_object();
        if (const auto* s = resp.if_contains("status"); s && s->is_number()) r.status = s->to_number<int>();
        if (const auto* b = resp.if_contains("body_text"); b && b->is_string()) r.body = std::string(b->get_string());
        if (const auto* h = resp.if_contains("headers"); h && h->is_object()) {
            for (const auto& kv : h->get_object()) {
                if (kv.value().is_string()) r.headers[std::string(kv.key())] = std::string(kv.value().get_string());
            }
        }
        replay_.emplace(messages_key(*body), std::move(r));
    }
}

void FakeLogic::push_fault(FakeFault fault) {
    std::lock_guard lock(mutex_);
    faults_.push_back(std::move(fault));
}

void FakeLogic::push_response(RecordedResponse response) {
    std::lock_guard lock(mutex_);
    responses_.push_back(std::move(response));
}

std::size_t FakeLogic::chat_requests() const {
    std::lock_guard lock(mutex_);
    return chat_requests_;
}

double FakeLogic::billed_usd() const {
    std::lock_guard lock(mutex_);
    return billed_;
}

std::string FakeLogic::last_request_body() const {
    std::lock_guard lock(mutex_);
    return last_body_;
}

std::map<std::string, std::string> FakeLogic::last_request_headers() const {
    std::lock_guard lock(mutex_);
    return last_headers_;
}

double FakeLogic::bill(std::int64_t prompt_tokens, std::int64_t completion_tokens, const std::string& generation_id) {
    const double cost = static_cast<double>(prompt_tokens + completion_tokens) * options_.price_per_token;
    std::lock_guard lock(mutex_);
    billed_ += cost;
    generations_[generation_id] = {cost, prompt_tokens + completion_tokens};
    if (generations_.size() > 10000) generations_.erase(generations_.begin());
    return cost;
}

Plan FakeLogic::handle(const FakeRequest& request) {
    if (!options_.api_key.empty()) {
        auto auth = request.headers.find("authorization");
        if (auth == request.headers.end() || auth->second != "Bearer " + options_.api_key) {
            Plan p;
            p.status = 401;
            p.headers.emplace_back("Content-Type", "application/json");
            p.chunks.push_back(auth == request.headers.end()
                                   ? error_body(401, "Missing Authentication header")
                                   : error_body(401, "User not found."));
            return p;
        }
    }
    const std::string path = request.target.substr(0, request.target.find('?'));
    if (request.method == "POST" && path.ends_with("/chat/completions")) return chat(request);
    if (request.method == "GET" && path.ends_with("/models")) return models();
    if (request.method == "GET" && path.ends_with("/generation")) return generation(request.target);
    if (request.method == "GET" && path.ends_with("/key")) return key();
    Plan p;
    p.status = 404;
    p.headers.emplace_back("Content-Type", "application/json");
    p.chunks.push_back(error_body(404, "Not Found"));
    return p;
}

Plan FakeLogic::chat(const FakeRequest& request) {
    std::optional<FakeFault> f;
    std::optional<RecordedResponse> recorded;
    std::string generation_id;
    {
        std::lock_guard lock(mutex_);
        ++chat_requests_;
        last_body_ = request.body;
        last_headers_ = request.headers;
        generation_id = "gen-fake-" + std::to_string(++next_generation_);
        if (!faults_.empty() && faults_.front().skip > 0) {
            --faults_.front().skip;
        } else if (!faults_.empty()) {
            f = std::move(faults_.front());
            faults_.pop_front();
        } else if (!responses_.empty()) {
            recorded = std::move(responses_.front());
            responses_.pop_front();
        }
    }
    // The request's DOM and the answer's are built in one arena: at tens of thousands of
    // requests a second the fake must not be the bottleneck of the client it measures.
    unsigned char arena[16 * 1024];
    json::monotonic_resource resource(arena, sizeof arena);
    boost::system::error_code ec;
    json::value body = json::parse(request.body, ec, &resource);
    const bool stream = !ec && body.is_object() && body.get_object().if_contains("stream") &&
                        body.get_object().at("stream") == true;
    if (ec && !f && !recorded) {
        Plan p;
        p.status = 400;
        p.headers.emplace_back("Content-Type", "application/json");
        p.chunks.push_back(error_body(400, "request body is not JSON"));
        return p;
    }
    if (!recorded && !f && !replay_.empty()) {
        auto it = replay_.find(messages_key(body));
        if (it == replay_.end()) {
            Plan p;
            p.status = 404;
            p.headers.emplace_back("Content-Type", "application/json");
            p.chunks.push_back(error_body(404, "no recorded exchange matches these messages"));
            return p;
        }
        recorded = it->second;
    }
    if (recorded) {
        Plan p;
        p.status = recorded->status;
        for (const auto& [k, v] : recorded->headers) {
            std::string lower = k;
            std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
            if (lower == "content-length" || lower == "transfer-encoding" || lower == "connection") continue;
            p.headers.emplace_back(k, v);
        }
        p.chunked = recorded->body.find("data:") != std::string::npos;
        p.chunks.push_back(std::move(recorded->body));
        p.latency = options_.latency;
        return p;
    }
    if (f) return fault(*f, stream, generation_id);
    return scenario(body, request.body.size(), stream, generation_id);
}

Plan FakeLogic::scenario(const json::value& body, std::size_t body_size, bool stream, const std::string& generation_id) {
    const json::storage_ptr& sp = body.storage();
    const json::object& req = body.get_object();
    bool tool_result_seen = false;
    if (const auto* messages = req.if_contains("messages"); messages && messages->is_array()) {
        for (const auto& m : messages->get_array()) {
            if (m.is_object() && m.get_object().if_contains("role") && m.get_object().at("role") == "tool") {
                tool_result_seen = true;
            }
        }
    }
    std::string tool_name, arguments;
    if (const auto* tools = req.if_contains("tools"); tools && tools->is_array() && !tools->get_array().empty() &&
                                                       !tool_result_seen) {
        const json::value& fn = tools->get_array()[0].at("function");
        tool_name = std::string(fn.at("name").get_string());
        const json::value* params = fn.get_object().if_contains("parameters");
        arguments = json::serialize(params ? fill(*params, sp) : json::value(json::object(sp)));
    }
    const bool tool_call = !tool_name.empty();
    const std::string& text = options_.final_text;
    const std::int64_t prompt_tokens = static_cast<std::int64_t>(body_size / 4);
    const std::int64_t completion_tokens =
        std::max<std::int64_t>(1, static_cast<std::int64_t>((tool_call ? arguments.size() + tool_name.size() : text.size()) / 4));
    const double cost = bill(prompt_tokens, completion_tokens, generation_id);
    const json::object usage({{"prompt_tokens", prompt_tokens},
                              {"completion_tokens", completion_tokens},
                              {"total_tokens", prompt_tokens + completion_tokens},
                              {"cost", cost},
                              {"is_byok", false}},
                             sp);
    const std::string call_id = "call_" + generation_id;

    Plan p;
    p.latency = options_.latency;
    p.headers.emplace_back("X-Generation-Id", generation_id);
    if (!stream) {
        // Nested braces (not json::object temporaries) build straight into the arena.
        json::object message({{"role", "assistant"}, {"content", tool_call ? json::value(nullptr, sp) : json::value(text, sp)}},
                             sp);
        if (tool_call) {
            message["tool_calls"] = json::array(
                {{{"id", call_id}, {"type", "function"}, {"index", 0}, {"function", {{"name", tool_name}, {"arguments", arguments}}}}},
                sp);
        }
        const json::object answer({{"id", generation_id},
                                   {"provider", "Fake"},
                                   {"model", "fake/model"},
                                   {"object", "chat.completion"},
                                   {"created", 1700000000},
                                   {"choices", {{{"index", 0},
                                                 {"finish_reason", tool_call ? "tool_calls" : "stop"},
                                                 {"native_finish_reason", tool_call ? "tool_calls" : "stop"},
                                                 {"message", std::move(message)}}}},
                                   {"usage", usage}},
                                  sp);
        p.headers.emplace_back("Content-Type", "application/json");
        // OpenRouter's keep-alive whitespace before a non-streamed body.
        p.chunks.push_back("\n         \n" + json::serialize(answer));
        return p;
    }
    p.chunked = true;
    p.headers.emplace_back("Content-Type", "text/event-stream");
    p.headers.emplace_back("Cache-Control", "no-cache");
    // The events are built in the request's arena, like the answer above: a streamed answer
    // is a dozen small objects, and the heap made them the fake's main cost.
    std::string out = keepalive_comment;
    out.reserve(4096);
    auto delta_event = [&](json::object delta, const char* finish) {
        json::object e = chunk_envelope(generation_id, sp);
        e["choices"] = json::array({{{"index", 0},
                                     {"delta", std::move(delta)},
                                     {"finish_reason", finish ? json::value(finish, sp) : json::value(nullptr, sp)}}},
                                   sp);
        append_sse(out, e);
    };
    if (tool_call) {
        const std::size_t third = (arguments.size() + 2) / 3;
        const std::string_view args = arguments;
        for (std::size_t i = 0; i < 3; ++i) {
            json::object call({{"index", 0}, {"type", "function"}}, sp);
            json::object function({{"arguments", args.substr(std::min(args.size(), i * third), third)}}, sp);
            if (i == 0) {
                call["id"] = call_id;
                function["name"] = tool_name;
            }
            call["function"] = std::move(function);
            json::object delta({{"role", "assistant"}, {"content", nullptr}}, sp);
            delta["tool_calls"] = json::array({std::move(call)}, sp);
            delta_event(std::move(delta), nullptr);
        }
        delta_event(json::object({{"role", "assistant"}, {"content", ""}}, sp), "tool_calls");
    } else {
        const std::size_t tenth = (text.size() + 9) / 10;
        const std::string_view all = text;
        for (std::size_t i = 0; i < 10 && i * tenth < all.size(); ++i) {
            delta_event(json::object({{"role", "assistant"}, {"content", all.substr(i * tenth, tenth)}}, sp), nullptr);
        }
        delta_event(json::object({{"role", "assistant"}, {"content", ""}}, sp), "stop");
    }
    json::object last = chunk_envelope(generation_id, sp);
    last["choices"] = json::array(sp);
    last["usage"] = usage;
    append_sse(out, last);
    out += "data: [DONE]\n\n";
    p.chunks.push_back(std::move(out));
    return p;
}

Plan FakeLogic::fault(const FakeFault& f, bool stream, const std::string& generation_id) {
    Plan p;
    p.headers.emplace_back("X-Generation-Id", generation_id);
    using K = FakeFault::Kind;
    switch (f.kind) {
        case K::status:
            p.status = f.status;
            p.headers.emplace_back("Content-Type", "application/json");
            if (!f.retry_after.empty()) p.headers.emplace_back("Retry-After", f.retry_after);
            p.chunks.push_back(error_body(f.status, "fake upstream error " + std::to_string(f.status)));
            return p;
        case K::availability: {
            p.status = 503;
            p.headers.emplace_back("Content-Type", "application/json");
            json::object availability{{"retryable", f.retryable}};
            if (!f.retry_after.empty()) availability["retry_after"] = std::stod(f.retry_after);
            p.chunks.push_back(json::serialize(json::object{
                {"error", json::object{{"message", "No instances available"}, {"availability", availability}}}}));
            return p;
        }
        case K::reset_mid_body:
            p.headers.emplace_back("Content-Type", "application/json");
            p.chunks.push_back(R"({"id":"gen","choices":[{"index":0,"message":{"role":"assistant","content":"this answer never ends"}}]})");
            p.end = Plan::End::reset_half;
            return p;
        case K::truncated_stream: {
            p.chunked = true;
            p.headers.emplace_back("Content-Type", "text/event-stream");
            json::object e = chunk_envelope(generation_id);
            e["choices"] = json::array{json::object{{"index", 0}, {"delta", json::object{{"content", "partial "}}}}};
            p.chunks.push_back(std::string(keepalive_comment) + sse(e));
            p.end = Plan::End::close_unfinished;
            return p;
        }
        case K::stall_keepalive:
            p.chunked = true;
            p.headers.emplace_back("Content-Type", "text/event-stream");
            p.chunks.push_back(keepalive_comment);
            p.end = Plan::End::stall;
            return p;
        case K::error_in_stream: {
            const double cost = bill(10, 3, generation_id);
            p.chunked = true;
            p.headers.emplace_back("Content-Type", "text/event-stream");
            json::object e = chunk_envelope(generation_id);
            e["choices"] = json::array{json::object{{"index", 0}, {"delta", json::object{{"content", "Hello"}}}}};
            json::object err = chunk_envelope(generation_id);
            err["error"] = json::object{{"code", f.status}, {"message", "fake error inside the stream"}};
            err["choices"] = json::array{json::object{{"index", 0}, {"delta", json::object{{"content", ""}}},
                                                      {"finish_reason", "error"}}};
            err["usage"] = json::object{{"prompt_tokens", 10}, {"completion_tokens", 3}, {"total_tokens", 13}, {"cost", cost}};
            p.chunks.push_back(std::string(keepalive_comment) + sse(e) + sse(err) + "data: [DONE]\n\n");
            (void)stream;
            return p;
        }
        case K::garbage_json:
            p.headers.emplace_back("Content-Type", "application/json");
            p.chunks.push_back("{\"id\": \"gen\", \"choices\": [ this is not json");
            return p;
        case K::error_in_200_body:
            p.headers.emplace_back("Content-Type", "application/json");
            p.chunks.push_back(error_body(f.status, "Provider returned error"));
            return p;
    }
    return p;
}

Plan FakeLogic::models() const {
    json::array data;
    const std::string price = std::to_string(options_.price_per_token);
    for (const char* id : {"anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4", "anthropic/claude-haiku-4.5",
                           "openai/gpt-4o-mini", "openai/gpt-5-mini", "google/gemini-2.5-flash", "fake/model"}) {
        data.push_back(json::object{{"id", id},
                                    {"name", id},
                                    {"context_length", 200000},
                                    {"pricing", json::object{{"prompt", price}, {"completion", price}, {"request", "0"}}}});
    }
    Plan p;
    p.headers.emplace_back("Content-Type", "application/json");
    p.chunks.push_back(json::serialize(json::object{{"data", std::move(data)}}));
    return p;
}

Plan FakeLogic::generation(const std::string& target) const {
    const auto q = target.find("id=");
    const std::string id = q == std::string::npos ? std::string() : target.substr(q + 3);
    Plan p;
    p.headers.emplace_back("Content-Type", "application/json");
    std::lock_guard lock(mutex_);
    auto it = generations_.find(id);
    if (it == generations_.end()) {
        p.status = 404;
        p.chunks.push_back(error_body(404, "Generation not found"));
        return p;
    }
    p.chunks.push_back(json::serialize(json::object{{"data", json::object{{"id", id},
                                                                          {"total_cost", it->second.first},
                                                                          {"tokens", it->second.second},
                                                                          {"model", "fake/model"}}}}));
    return p;
}

Plan FakeLogic::key() const {
    Plan p;
    p.headers.emplace_back("Content-Type", "application/json");
    p.chunks.push_back(json::serialize(json::object{
        {"data", json::object{{"label", "fake-key"}, {"usage", billed_usd()}, {"limit", nullptr}, {"is_free_tier", false}}}}));
    return p;
}

}  // namespace agentroute::testing::detail
