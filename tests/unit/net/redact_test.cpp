// What counts as a secret in server-supplied text: the key in use, whole or in part, and
// anything shaped like a provider's key; ordinary words and model slugs are left alone.

#include "redact.hpp"

#include <agentroute_test/fake_keys.hpp>
#include <gtest/gtest.h>

using agentroute::net::detail::redact_secrets;
using agentroute::test::fake_key;

TEST(RedactSecrets, KeysShapedLikeProvidersKeysAreRedactedTooWordsAreNot) {
    const std::string letters = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
    const std::string openai = fake_key(std::string("sk-") + "proj-", 22, 2, letters);
    EXPECT_EQ(redact_secrets("Incorrect API key provided: " + openai + ".", ""), "Incorrect API key provided: [redacted].");
    const std::string google = fake_key(std::string("AI") + "za", 35, 3, letters);
    EXPECT_EQ(redact_secrets("key " + google + " is invalid", ""), "key [redacted] is invalid");
    const std::string anthropic = fake_key(std::string("sk-") + "ant-api03-", 26, 4, letters);
    EXPECT_EQ(redact_secrets("x-api-key: " + anthropic, ""), "x-api-key: [redacted]");
    EXPECT_EQ(redact_secrets("Authorization: Bearer " + fake_key("", 30, 5, letters), ""), "Authorization: Bearer [redacted]");
    EXPECT_EQ(redact_secrets("use sk-learn or gpt-4o-mini-2024-07-18; rate limit exceeded", ""),
              "use sk-learn or gpt-4o-mini-2024-07-18; rate limit exceeded");
    EXPECT_EQ(redact_secrets("my key is k3y-with.odd~chars!", "k3y-with.odd~chars!"), "my key is [redacted]");
}

TEST(RedactSecrets, PiecesOfTheKeyInUseAreRedacted) {
    const std::string key = agentroute::test::fake_openrouter_key(6);
    EXPECT_EQ(redact_secrets("cut: " + key.substr(0, 13), key), "cut: [redacted]");
    EXPECT_EQ(redact_secrets("masked ..." + key.substr(key.size() - 8), key), "masked ...[redacted]");
    const std::string seven = key.substr(key.size() - 7);
    EXPECT_EQ(redact_secrets("short " + seven + " ok", key), "short " + seven + " ok");  // seven: no piece
    EXPECT_EQ(redact_secrets(key + key, key), "[redacted][redacted]");
}
