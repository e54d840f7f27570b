#pragma once

// Key-shaped strings for redaction tests, made when the test runs: no source file holds a
// string a secret scanner would take for a real key.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace agentroute::test {

/// `prefix` followed by `length` characters of `alphabet`, the same for the same `seed`.
inline std::string fake_key(std::string_view prefix, std::size_t length, std::uint32_t seed = 1,
                            std::string_view alphabet = "0123456789abcdef") {
    std::string key(prefix);
    std::uint32_t state = seed;
    for (std::size_t i = 0; i < length; ++i) {
        state = state * 1664525u + 1013904223u;  // a plain LCG: varied, reproducible
        key += alphabet[(state >> 16) % alphabet.size()];
    }
    return key;
}

/// An OpenRouter-shaped key: the public prefix and 64 hex digits.
inline std::string fake_openrouter_key(std::uint32_t seed = 1) {
    return fake_key(std::string("sk-or-") + "v1-", 64, seed);
}

}  // namespace agentroute::test
