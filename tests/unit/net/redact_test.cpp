// What counts as a secret in server-supplied text: the key in use, whole or in part, and
// anything shaped like a provider's key; ordinary words and model slugs are left alone.

#include "redact.hpp"

#include <gtest/gtest.h>

using agentroute::net::detail::redact_secrets;

TEST(RedactSecrets, KeysShapedLikeProvidersKeysAreRedactedTooWordsAreNot) {
    EXPECT_EQ(redact_secrets("Incorrect API key provided: sk-" "proj-" "AbCdEfGh" "IjKlMnOp" "QrStUv.", ""),
              "Incorrect API key provided: [redacted].");
    EXPECT_EQ(redact_secrets("key AI" "za" "SyA1b2C3" "d4E5f6G7" "h8I9j0Kl" "MnOpQrStU is invalid", ""), "key [redacted] is invalid");
    EXPECT_EQ(redact_secrets("x-api-key: sk-" "ant-" "api03-" "abcdefgh" "ijklmnop" "qrstuvwxyz", ""), "x-api-key: [redacted]");
    EXPECT_EQ(redact_secrets("Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123", ""), "Authorization: Bearer [redacted]");
    EXPECT_EQ(redact_secrets("use sk-learn or gpt-4o-mini-2024-07-18; rate limit exceeded", ""),
              "use sk-learn or gpt-4o-mini-2024-07-18; rate limit exceeded");
    EXPECT_EQ(redact_secrets("my key is k3y-with.odd~chars!", "k3y-with.odd~chars!"), "my key is [redacted]");
}

TEST(RedactSecrets, PiecesOfTheKeyInUseAreRedacted) {
    const std::string key = "sk-or-" "v1-" "01234567" "89abcdef" "01234567" "89abcdef";
    EXPECT_EQ(redact_secrets("cut: sk-or-v1-0123", key), "cut: [redacted]");
    EXPECT_EQ(redact_secrets("masked ...89abcdef", key), "masked ...[redacted]");
    EXPECT_EQ(redact_secrets("short 89abcde ok", key), "short 89abcde ok");  // seven: no piece
    EXPECT_EQ(redact_secrets(key + key, key), "[redacted][redacted]");
}
