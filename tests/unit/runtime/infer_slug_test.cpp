#include <agentroute/errors.hpp>
#include <agentroute/resolve_model.hpp>

#include <gtest/gtest.h>

using namespace agentroute;

TEST(InferSlug, BareNamesGetTheirVendor) {
    EXPECT_EQ(infer_slug("claude-sonnet-4"), "anthropic/claude-sonnet-4");
    EXPECT_EQ(infer_slug("gpt-4o-mini"), "openai/gpt-4o-mini");
    EXPECT_EQ(infer_slug("o3-mini"), "openai/o3-mini");
    EXPECT_EQ(infer_slug("gemini-2.5-flash"), "google/gemini-2.5-flash");
    EXPECT_EQ(infer_slug("llama-3.3-70b-instruct"), "meta-llama/llama-3.3-70b-instruct");
    EXPECT_EQ(infer_slug("mistral-small"), "mistralai/mistral-small");
    EXPECT_EQ(infer_slug("codestral-2501"), "mistralai/codestral-2501");
    EXPECT_EQ(infer_slug("deepseek-chat"), "deepseek/deepseek-chat");
    EXPECT_EQ(infer_slug("qwen3-235b-a22b"), "qwen/qwen3-235b-a22b");
    EXPECT_EQ(infer_slug("grok-4"), "x-ai/grok-4");
    EXPECT_EQ(infer_slug("command-r-plus"), "cohere/command-r-plus");
    EXPECT_EQ(infer_slug("kimi-k2"), "moonshotai/kimi-k2");
}

TEST(InferSlug, SlugsPassThrough) {
    EXPECT_EQ(infer_slug("anthropic/claude-sonnet-4"), "anthropic/claude-sonnet-4");
    EXPECT_EQ(infer_slug("openrouter/auto"), "openrouter/auto");
}

TEST(InferSlug, UnknownBareNamesSayHowToPin) {
    try {
        infer_slug("phind-codellama");
        FAIL();
    } catch (const ErrorConfig& e) {
        EXPECT_NE(std::string(e.what()).find("pin the full OpenRouter slug"), std::string::npos);
    }
    EXPECT_THROW(infer_slug("olmo-7b"), ErrorConfig);
}
