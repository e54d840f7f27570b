#include "text_search.hpp"

#include <chrono>
#include <random>

namespace agentroute::detail {
namespace {

bool word_byte(unsigned char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

}  // namespace

std::vector<std::string> search_words(std::string_view text) {
    std::vector<std::string> words;
    std::string current;
    for (unsigned char c : text) {
        if (word_byte(c)) {
            current += static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
        } else if (!current.empty()) {
            words.push_back(std::move(current));
            current.clear();
        }
    }
    if (!current.empty()) words.push_back(std::move(current));
    return words;
}

std::string stem(std::string w) {
    auto ends = [&](std::string_view suffix) {
        return w.size() > suffix.size() + 2 && w.compare(w.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    auto cut = [&](std::size_t n) { w.resize(w.size() - n); };
    if (ends("sses")) cut(2);
    else if (ends("ies")) cut(2);
    else if (ends("s") && !ends("ss")) cut(1);
    if (ends("ing")) cut(3);
    else if (ends("ed")) cut(2);
    else if (ends("al")) cut(2);
    if (ends("e")) cut(1);
    return w;
}

std::string fts5_match_expression(std::string_view query, std::string_view joiner,
                                  std::string_view phrase_prefix) {
    std::string expression;
    for (const std::string& word : search_words(query)) {
        if (!expression.empty()) expression += joiner;
        // Words hold no '"' (search_words splits on it), nor does the prefix, so quoting needs
        // no escaping.
        expression += '"';
        expression += phrase_prefix;
        expression += word;
        expression += '"';
    }
    return expression;
}

std::string make_memory_key() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char hex[] = "0123456789abcdef";
    std::string key = "mem_";
    std::uint64_t a = rng(), b = rng();
    for (int i = 0; i < 16; ++i, a >>= 4) key += hex[a & 0xf];
    for (int i = 0; i < 8; ++i, b >>= 4) key += hex[b & 0xf];
    return key;
}

long long now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace agentroute::detail
