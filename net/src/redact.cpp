#include "redact.hpp"

#include <array>

namespace agentroute::net::detail {

namespace {

// Characters keys are made of: a key inside a text is a maximal run of them.
bool key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
}

constexpr std::array<std::string_view, 9> key_prefixes{"sk-", "sk_", "AIza", "xai-", "gsk_", "hf_", "r8_", "pplx-", "ghp_"};

// A run this long after a provider prefix is a key, not a word ("sk-learn" is not).
constexpr std::size_t shaped_key_min = 16;
// A run this long that the key contains is a piece of the key.
constexpr std::size_t key_piece_min = 8;

bool shaped_like_a_key(std::string_view run) {
    for (std::string_view prefix : key_prefixes) {
        if (run.size() >= prefix.size() + shaped_key_min && run.substr(0, prefix.size()) == prefix) return true;
    }
    return false;
}

bool after_bearer(std::string_view text, std::size_t at) {
    constexpr std::string_view bearer = "bearer ";
    if (at < bearer.size()) return false;
    for (std::size_t i = 0; i < bearer.size(); ++i) {
        const char c = text[at - bearer.size() + i];
        if ((c | 0x20) != bearer[i]) return false;
    }
    return true;
}

}  // namespace

std::string redact_secrets(std::string_view text, std::string_view key) {
    std::string out;
    out.reserve(text.size());
    // The key whole first: it may hold characters a run stops at.
    std::string whole;
    if (key.size() >= key_piece_min) {
        for (std::size_t at = 0;;) {
            const std::size_t found = text.find(key, at);
            whole.append(text.substr(at, found - at));
            if (found == std::string_view::npos) break;
            whole.append(redacted_mark);
            at = found + key.size();
        }
        text = whole;
    }
    for (std::size_t i = 0; i < text.size();) {
        if (!key_char(text[i])) {
            out += text[i++];
            continue;
        }
        std::size_t end = i;
        while (end < text.size() && key_char(text[end])) ++end;
        // Dots around a run are an ellipsis or a sentence's end, not part of a key.
        while (i < end && text[i] == '.') out += text[i++];
        std::size_t last = end;
        while (last > i && text[last - 1] == '.') --last;
        const std::string_view run = text.substr(i, last - i);
        const bool secret = shaped_like_a_key(run) ||
                            (run.size() >= key_piece_min && key.find(run) != std::string_view::npos) ||
                            (run.size() >= shaped_key_min && after_bearer(text, i));
        out.append(secret ? redacted_mark : run);
        out.append(text.substr(last, end - last));
        i = end;
    }
    return out;
}

}  // namespace agentroute::net::detail
