#include "namespace_tokenizer.hpp"

#include <agentroute/errors.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <memory>

namespace agentroute::detail {
namespace {

// The marker: a unit separator, the tag, another one. Part of the file format: never change it.
constexpr char separator = '\x1f';
constexpr std::size_t tag_size = 17;  // 'n' and 16 hex digits
constexpr std::size_t marker_size = tag_size + 2;

// FNV-1a, 64 bits: stable across builds and machines. Two namespaces that share a tag only share
// postings; recall still filters on the namespace itself.
std::string tag_of(std::string_view ns) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : ns) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string tag(tag_size, 'n');
    for (std::size_t i = tag_size; i-- > 1; h >>= 4) tag[i] = hex[h & 0xf];
    return tag;
}

// The wrapped tokenizer: porter over unicode61, as the index used before namespaces joined it.
struct NamespaceTokenizer {
    fts5_tokenizer inner{};
    Fts5Tokenizer* inner_instance = nullptr;
    ~NamespaceTokenizer() {
        if (inner_instance) inner.xDelete(inner_instance);
    }
};

struct PrefixingSink {
    std::string_view tag;
    int offset;  // bytes of the marker the inner tokenizer did not see
    void* ctx;
    int (*forward)(void*, int, const char*, int, int, int);
    std::string token;
};

int create(void* api_ptr, const char** /*args*/, int /*count*/, Fts5Tokenizer** out) {
    auto* api = static_cast<fts5_api*>(api_ptr);
    auto tokenizer = std::make_unique<NamespaceTokenizer>();
    void* porter_data = nullptr;
    int rc = api->xFindTokenizer(api, "porter", &porter_data, &tokenizer->inner);
    if (rc != SQLITE_OK) return rc;
    const char* inner_args[] = {"unicode61", "remove_diacritics", "2"};
    rc = tokenizer->inner.xCreate(porter_data, inner_args, 3, &tokenizer->inner_instance);
    if (rc != SQLITE_OK) return rc;
    *out = reinterpret_cast<Fts5Tokenizer*>(tokenizer.release());
    return SQLITE_OK;
}

void destroy(Fts5Tokenizer* instance) { delete reinterpret_cast<NamespaceTokenizer*>(instance); }

int prefix_token(void* sink_ptr, int flags, const char* token, int size, int start, int end) {
    auto& sink = *static_cast<PrefixingSink*>(sink_ptr);
    sink.token.assign(sink.tag);
    sink.token.append(token, static_cast<std::size_t>(size));
    return sink.forward(sink.ctx, flags, sink.token.data(), static_cast<int>(sink.token.size()),
                        start + sink.offset, end + sink.offset);
}

int tokenize(Fts5Tokenizer* instance, void* ctx, int flags, const char* text, int size,
             int (*forward)(void*, int, const char*, int, int, int)) {
    auto& self = *reinterpret_cast<NamespaceTokenizer*>(instance);
    const std::string_view whole(text, static_cast<std::size_t>(size));
    if (whole.size() < marker_size || whole[0] != separator || whole[marker_size - 1] != separator) {
        return self.inner.xTokenize(self.inner_instance, ctx, flags, text, size, forward);
    }
    PrefixingSink sink{whole.substr(1, tag_size), static_cast<int>(marker_size), ctx, forward, {}};
    return self.inner.xTokenize(self.inner_instance, &sink, flags, text + marker_size,
                                size - static_cast<int>(marker_size), &prefix_token);
}

void namespaced_text_function(sqlite3_context* ctx, int /*argc*/, sqlite3_value** argv) {
    auto view = [](sqlite3_value* v) {
        const auto* bytes = reinterpret_cast<const char*>(sqlite3_value_text(v));
        return std::string_view(bytes ? bytes : "", static_cast<std::size_t>(sqlite3_value_bytes(v)));
    };
    const std::string out = namespaced_text(view(argv[0]), view(argv[1]));
    sqlite3_result_text(ctx, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
}

fts5_api* fts5_of(sqlite3* db) {
    fts5_api* api = nullptr;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr) == SQLITE_OK) {
        sqlite3_bind_pointer(stmt, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
        sqlite3_step(stmt);
    }
    sqlite3_finalize(stmt);
    return api;
}

}  // namespace

std::string namespaced_text(std::string_view ns, std::string_view text) {
    std::string out;
    out.reserve(marker_size + text.size());
    out += separator;
    out += tag_of(ns);
    out += separator;
    out += text;
    return out;
}

void register_namespace_search(sqlite3* db) {
    fts5_api* api = fts5_of(db);
    if (!api || api->iVersion < 2) throw ErrorMemory("this SQLite library has no FTS5: the memory store needs it");
    fts5_tokenizer tokenizer{&create, &destroy, &tokenize};
    if (api->xCreateTokenizer(api, "agentroute_ns", api, &tokenizer, nullptr) != SQLITE_OK ||
        sqlite3_create_function(db, "agentroute_ns_text", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                &namespaced_text_function, nullptr, nullptr) != SQLITE_OK) {
        throw ErrorMemory(std::string("cannot register the memory store's search functions: ") + sqlite3_errmsg(db));
    }
}

}  // namespace agentroute::detail
