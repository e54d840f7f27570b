#include "replay_book.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace agentroute::testkit::detail {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

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

// An assistant message that calls tools and says nothing: `content` absent, null and "" are
// the same request to every provider (and recorders write all three).
json::value normalized_messages(const json::value& messages) {
    json::value out = messages;  // object::erase moves the last member into the gap: sorted after
    if (!out.is_array()) return canonical(out);
    for (json::value& m : out.get_array()) {
        if (!m.is_object()) continue;
        json::object& o = m.get_object();
        const json::value* role = o.if_contains("role");
        const json::value* calls = o.if_contains("tool_calls");
        if (!role || !role->is_string() || role->get_string() != "assistant") continue;
        if (!calls || !calls->is_array() || calls->get_array().empty()) continue;
        const json::value* content = o.if_contains("content");
        if (content && (content->is_null() || (content->is_string() && content->get_string().empty()))) o.erase("content");
    }
    return canonical(out);
}

std::string serialized(const json::object& body, std::string_view key) {
    const json::value* v = body.if_contains(key);
    return v ? json::serialize(canonical(*v)) : std::string("null");
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) throw std::runtime_error("replay: cannot read " + path.string());
    return text.str();
}

RecordedResponse response_of(const json::object& response) {
    RecordedResponse r;
    if (const auto* s = response.if_contains("status"); s && s->is_number()) r.status = s->to_number<int>();
    if (const auto* b = response.if_contains("body_text"); b && b->is_string()) r.body = std::string(b->get_string());
    if (const auto* h = response.if_contains("headers"); h && h->is_object()) {
        for (const auto& kv : h->get_object()) {
            if (kv.value().is_string()) r.headers[std::string(kv.key())] = std::string(kv.value().get_string());
        }
    }
    return r;
}

}  // namespace

ReplayKey ReplayKey::of(const json::value& body) {
    ReplayKey key;
    if (!body.is_object()) return key;
    const json::object& o = body.get_object();
    key.parts[model] = serialized(o, "model");
    const json::value* messages = o.if_contains("messages");
    key.parts[ReplayKey::messages] = messages ? json::serialize(normalized_messages(*messages)) : "null";
    const json::value* s = o.if_contains("stream");
    key.parts[stream] = s && s->is_bool() && s->get_bool() ? "true" : "false";
    key.parts[tools] = serialized(o, "tools");
    key.parts[response_format] = serialized(o, "response_format");
    return key;
}

std::string ReplayKey::joined() const {
    std::string out;
    for (const std::string& p : parts) {
        out += p;
        out += '\x1f';
    }
    return out;
}

const char* ReplayKey::name(Part part) noexcept {
    static constexpr const char* names[] = {"model", "messages", "stream", "tools", "response_format"};
    return names[part];
}

ReplayBook::ReplayBook(const std::string& dir) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& path : files) {
        boost::system::error_code ec;
        const json::value v = json::parse(read_text(path), ec);
        const json::object* root = !ec && v.is_object() ? &v.get_object() : nullptr;
        const json::value* request = root ? root->if_contains("request") : nullptr;
        const json::value* response = root ? root->if_contains("response") : nullptr;
        const json::value* body = request && request->is_object() ? request->get_object().if_contains("body") : nullptr;
        if (!body || !body->is_object() || !response || !response->is_object()) {
            throw std::runtime_error("replay: " + path.string() +
                                     " is not a recording (a JSON object with request.body and response)");
        }
        Entry e{path.filename().string(), ReplayKey::of(*body), response_of(response->get_object())};
        keys_[e.key.joined()].entries.push_back(entries_.size());
        entries_.push_back(std::move(e));
    }
}

const RecordedResponse* ReplayBook::next(const json::value& body, std::string& why) {
    const ReplayKey key = ReplayKey::of(body);
    const auto it = keys_.find(key.joined());
    if (it == keys_.end()) {
        why = "no recording matches this request (model, messages, stream, tools, response_format); " + closest(key);
        return nullptr;
    }
    Turns& turns = it->second;
    const std::size_t index = turns.entries[turns.next];
    turns.next = (turns.next + 1) % turns.entries.size();
    return &entries_[index].response;
}

std::string ReplayBook::closest(const ReplayKey& key) const {
    const Entry* best = nullptr;
    std::vector<const char*> best_differs;
    for (const Entry& e : entries_) {
        std::vector<const char*> differs;
        for (std::size_t p = 0; p < ReplayKey::count; ++p) {
            if (e.key.parts[p] != key.parts[p]) differs.push_back(ReplayKey::name(static_cast<ReplayKey::Part>(p)));
        }
        if (!best || differs.size() < best_differs.size()) {
            best = &e;
            best_differs = std::move(differs);
        }
    }
    if (!best) return "the folder has no recordings";
    std::string out = "the closest, " + best->file + ", differs in";
    for (std::size_t i = 0; i < best_differs.size(); ++i) {
        out += i ? ", " : " ";
        out += best_differs[i];
    }
    return out;
}

std::vector<std::vector<std::string>> ReplayBook::collisions() const {
    std::vector<std::vector<std::string>> out;
    for (const auto& [key, turns] : keys_) {
        if (turns.entries.size() < 2) continue;
        std::vector<std::string> files;
        for (const std::size_t i : turns.entries) files.push_back(entries_[i].file);
        out.push_back(std::move(files));
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace agentroute::testkit::detail
