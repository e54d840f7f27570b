#include "fake_logic.hpp"

#include "chat_facts.hpp"
#include "scenario_answer.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace agentroute::testkit::detail {

namespace json = boost::json;

namespace {

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

Plan error_plan(int status, const std::string& message) {
    Plan p;
    p.status = status;
    p.headers.emplace_back("Content-Type", "application/json");
    p.chunks.push_back(error_body(status, message));
    return p;
}

// An SSE body cut after each blank line, the events as they came.
std::vector<std::string> sse_events(std::string_view body) {
    std::vector<std::string> events;
    while (!body.empty()) {
        std::size_t end = body.find("\n\n");
        end = end == std::string_view::npos ? body.size() : end + 2;
        events.emplace_back(body.substr(0, end));
        body.remove_prefix(end);
    }
    return events;
}

std::string sse(const json::value& v) { return "data: " + json::serialize(v) + "\n\n"; }

json::object chunk_envelope(const std::string& id) {
    return json::object({{"id", id},
                         {"provider", "Fake"},
                         {"model", "fake/model"},
                         {"object", "chat.completion.chunk"},
                         {"created", 1700000000}});
}

}  // namespace

FakeLogic::FakeLogic(const FakeOpenRouterOptions& options) : options_(options), random_(options.random_fault_seed) {
    if (!options_.replay_dir.empty()) replay_ = ReplayBook(options_.replay_dir);
}

std::vector<std::vector<std::string>> FakeLogic::replay_collisions() const {
    std::lock_guard lock(mutex_);
    return replay_.collisions();
}

std::size_t FakeLogic::replay_recordings() const {
    std::lock_guard lock(mutex_);
    return replay_.size();
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
    keep_generation(generation_id, Generation{cost, prompt_tokens, completion_tokens});
    return cost;
}

// Under the mutex. The last 10,000 bills answer GET /generation: enough for any lookup, which
// comes within seconds of its call, and bounded however long the fake serves.
void FakeLogic::keep_generation(const std::string& id, Generation generation) {
    auto [it, fresh] = generations_.insert_or_assign(id, generation);
    if (!fresh) return;
    generation_order_.push_back(id);
    if (generation_order_.size() > 10000) {
        generations_.erase(generation_order_.front());
        generation_order_.pop_front();
    }
}

std::optional<FakeFault> FakeLogic::draw_random_fault() {
    const bool over = options_.random_faults_for.count() > 0 &&
                      std::chrono::steady_clock::now() - started_ >= options_.random_faults_for;
    if (over || options_.random_fault_rate <= 0 ||
        std::uniform_real_distribution<double>(0, 1)(random_) >= options_.random_fault_rate) {
        return std::nullopt;
    }
    using K = FakeFault::Kind;
    FakeFault f;
    switch (std::uniform_int_distribution<int>(0, 11)(random_)) {
        case 0: f = {K::status, 429, "0"}; break;  // Retry-After: 0, so back-offs stay short
        case 1: f = {K::status, 429, "1"}; break;
        case 2: f = {K::status, 500}; break;
        case 3: f = {K::status, 502}; break;
        case 4: f = {K::availability, 503, "0"}; break;
        case 5: f.kind = K::reset_mid_body; break;
        case 6: f.kind = K::truncated_stream; break;
        case 7: f.kind = K::stall_keepalive; break;
        case 8: f = {K::error_in_stream, 502}; break;
        case 9: f.kind = K::garbage_json; break;
        case 10: f = {K::error_in_200_body, 503}; break;
        default: f.kind = K::huge_content_length; break;
    }
    ++random_faults_;
    return f;
}

std::chrono::milliseconds FakeLogic::draw_extra_latency() {
    if (options_.random_extra_latency.count() <= 0) return {};
    return std::chrono::milliseconds(
        std::uniform_int_distribution<std::int64_t>(0, options_.random_extra_latency.count())(random_));
}

std::size_t FakeLogic::random_faults() const {
    std::lock_guard lock(mutex_);
    return random_faults_;
}

Plan FakeLogic::handle(FakeRequest request) {
    if (!options_.api_key.empty()) {
        auto auth = request.headers.find("authorization");
        if (auth == request.headers.end() || auth->second != "Bearer " + options_.api_key) {
            return error_plan(401, auth == request.headers.end() ? "Missing Authentication header" : "User not found.");
        }
    }
    const std::string path = request.target.substr(0, request.target.find('?'));
    if (request.method == "POST" && path.ends_with("/chat/completions")) return chat(std::move(request));
    if (request.method == "GET" && path.ends_with("/models")) return models();
    if (request.method == "GET" && path.ends_with("/generation")) return generation(request.target);
    if (request.method == "GET" && path.ends_with("/key")) return key();
    return error_plan(404, "Not Found");
}

Plan FakeLogic::chat(FakeRequest request) {
    // At tens of thousands of requests a second the fake must not be the bottleneck of the
    // client it measures: the request is read in one pass, and what is kept as JSON (the
    // tool's parameters; the messages in replay mode) is built in one arena.
    unsigned char arena[16 * 1024];
    json::monotonic_resource resource(arena, sizeof arena);
    const json::storage_ptr sp(&resource);
    boost::system::error_code ec;
    ChatFacts facts(sp);
    read_chat_facts(request.body, facts, ec);
    json::value replay_body;
    if (!replay_.empty() && !ec) {
        boost::system::error_code unused;  // one JSON object: read_chat_facts said so
        replay_body = json::parse(request.body, unused, sp);
    }
    const std::size_t body_size = request.body.size();

    std::optional<FakeFault> f;
    std::optional<RecordedResponse> recorded;
    std::string replay_miss;
    std::string generation_id;
    std::chrono::milliseconds extra_latency{};
    {
        std::lock_guard lock(mutex_);
        ++chat_requests_;
        // Kept for tests to look at; moved, not copied, on every request.
        last_body_ = std::move(request.body);
        last_headers_ = std::move(request.headers);
        generation_id = "gen-fake-" + std::to_string(++next_generation_);
        if (!faults_.empty() && faults_.front().skip > 0) {
            --faults_.front().skip;
        } else if (!faults_.empty()) {
            f = std::move(faults_.front());
            faults_.pop_front();
        } else if (!responses_.empty()) {
            recorded = std::move(responses_.front());
            responses_.pop_front();
        } else if (!replay_.empty()) {
            if (!ec) {
                if (const RecordedResponse* r = replay_.next(replay_body, replay_miss)) recorded = *r;
            }
        } else {
            f = draw_random_fault();
            extra_latency = draw_extra_latency();
        }
    }
    if (ec && !f && !recorded) return error_plan(400, "request body is not a JSON object");
    if (!recorded && !f && !replay_miss.empty()) return error_plan(404, replay_miss);
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
        if (p.chunked) {
            // Streamed as recorded: an event (or keep-alive comment) per chunk.
            p.chunks = sse_events(recorded->body);
        } else {
            p.chunks.push_back(std::move(recorded->body));
        }
        p.latency = options_.latency;
        return p;
    }
    if (f) return fault(*f, !ec && facts.stream, generation_id);
    Plan answer = scenario(facts, body_size, generation_id);
    answer.latency += extra_latency;
    return answer;
}

Plan FakeLogic::scenario(const ChatFacts& facts, std::size_t body_size, const std::string& generation_id) {
    const bool tool_call = facts.has_tools && !facts.tool_result_seen;
    if (tool_call && facts.tool_name.empty()) return error_plan(400, "tools[0].function.name is missing");
    std::string arguments;
    if (tool_call) {
        arguments = facts.has_parameters ? json::serialize(fill(facts.parameters, facts.parameters.storage())) : "{}";
    }
    ScenarioAnswer answer;
    answer.generation_id = generation_id;
    answer.text = options_.final_text;
    if (tool_call) {
        answer.tool_name = facts.tool_name;
        answer.arguments = arguments;
        answer.tool_calls = std::max(1, options_.tool_calls_per_answer);
    }
    answer.prompt_tokens = static_cast<std::int64_t>(body_size / 4);
    answer.completion_tokens = std::max<std::int64_t>(
        1, static_cast<std::int64_t>((tool_call ? answer.tool_calls * (arguments.size() + facts.tool_name.size())
                                                : answer.text.size()) /
                                     4));
    if (facts.max_tokens > 0 && answer.completion_tokens > facts.max_tokens) {
        // As a model does: the answer stops at max_tokens (four bytes a token here, cut between
        // UTF-8 characters), finish_reason "length". A tool call is billed as cut but sent
        // whole, so the scenario goes on.
        answer.completion_tokens = facts.max_tokens;
        if (!tool_call) {
            std::size_t end = std::min(answer.text.size(), static_cast<std::size_t>(facts.max_tokens) * 4);
            while (end > 0 && end < answer.text.size() && (static_cast<unsigned char>(answer.text[end]) & 0xC0) == 0x80) --end;
            answer.text = answer.text.substr(0, end);
            answer.cut_at_max_tokens = true;
        }
    }
    answer.cost = bill(answer.prompt_tokens, answer.completion_tokens, generation_id);

    Plan p;
    p.latency = options_.latency;
    p.head_first = options_.head_first;
    p.headers.emplace_back("X-Generation-Id", generation_id);
    if (facts.stream) {
        p.chunked = true;
        p.headers.emplace_back("Content-Type", "text/event-stream");
        p.headers.emplace_back("Cache-Control", "no-cache");
        p.chunks.push_back(answer_events(answer));
    } else {
        p.headers.emplace_back("Content-Type", "application/json");
        p.chunks.push_back(answer_body(answer));
    }
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
        case K::raw_h2_frames:
            p.status = 500;  // what HTTP/1.1 gets
            p.headers.emplace_back("Content-Type", "application/json");
            p.chunks.push_back(error_body(500, "an HTTP/2 fault over HTTP/1.1"));
            p.raw_h2_frames = f.frames;
            p.raw_h2 = true;
            return p;
        case K::settings_flood:
        case K::ping_flood:
        case K::window_update_overflow: {
            p.status = 500;  // what HTTP/1.1 gets
            p.headers.emplace_back("Content-Type", "application/json");
            p.chunks.push_back(error_body(500, "an HTTP/2 fault over HTTP/1.1"));
            using namespace std::string_literals;
            if (f.kind == K::settings_flood) {
                const std::string settings = "\x00\x00\x00\x04\x00\x00\x00\x00\x00"s;  // empty SETTINGS
                for (int i = 0; i < 200'000; ++i) p.raw_h2_frames += settings;
            } else if (f.kind == K::ping_flood) {
                const std::string ping = "\x00\x00\x08\x06\x00\x00\x00\x00\x00"s + std::string(8, 'p');
                for (int i = 0; i < 100'000; ++i) p.raw_h2_frames += ping;
            } else {
                p.raw_h2_frames = "\x00\x00\x04\x08\x00\x00\x00\x00\x00\x7f\xff\xff\xff"s;  // +2^31-1
            }
            return p;
        }
        case K::huge_content_length:
            p.headers.emplace_back("Content-Type", "application/json");
            p.chunks.emplace_back("{");
            p.announced_length = 1'000'000'000'000ULL;
            p.end = Plan::End::hold;
            return p;
        case K::stall_keepalive:
            p.chunked = true;
            p.headers.emplace_back("Content-Type", "text/event-stream");
            p.chunks.emplace_back(keepalive_comment);
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
    std::vector<std::string> ids{"anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4", "anthropic/claude-haiku-4.5",
                                 "openai/gpt-4o-mini", "openai/gpt-5-mini", "google/gemini-2.5-flash", "fake/model"};
    ids.insert(ids.end(), options_.catalogue_models.begin(), options_.catalogue_models.end());
    for (const std::string& id : ids) {
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

void FakeLogic::add_generation(const std::string& id, double cost, std::int64_t prompt_tokens,
                               std::int64_t completion_tokens, int not_found_first) {
    std::lock_guard lock(mutex_);
    keep_generation(id, Generation{cost, prompt_tokens, completion_tokens, not_found_first});
}

std::size_t FakeLogic::generation_lookups() const {
    std::lock_guard lock(mutex_);
    return generation_lookups_;
}

Plan FakeLogic::generation(const std::string& target) {
    const auto q = target.find("id=");
    const std::string id = q == std::string::npos ? std::string() : target.substr(q + 3);
    Plan p;
    p.headers.emplace_back("Content-Type", "application/json");
    std::lock_guard lock(mutex_);
    ++generation_lookups_;
    auto it = generations_.find(id);
    if (it != generations_.end() && it->second.not_found_first > 0) {
        --it->second.not_found_first;  // OpenRouter's moment of 404 after a request ends
        it = generations_.end();
    }
    if (it == generations_.end()) {
        p.status = 404;
        p.chunks.push_back(error_body(404, "Generation not found"));
        return p;
    }
    // OpenRouter's fields (of the many it sends, those a client needs for the bill).
    const Generation& g = it->second;
    p.chunks.push_back(json::serialize(json::object{{"data", json::object{{"id", id},
                                                                          {"total_cost", g.cost},
                                                                          {"tokens_prompt", g.prompt_tokens},
                                                                          {"tokens_completion", g.completion_tokens},
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

}  // namespace agentroute::testkit::detail
