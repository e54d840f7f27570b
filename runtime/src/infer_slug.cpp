#include <agentroute/errors.hpp>
#include <agentroute/resolve_model.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace agentroute {
namespace {

// Name prefix -> OpenRouter vendor, longest prefixes first where they overlap.
constexpr std::array<std::pair<std::string_view, std::string_view>, 29> vendors{{
    {"claude", "anthropic"},     {"chatgpt", "openai"},       {"gpt", "openai"},
    {"o1", "openai"},            {"o3", "openai"},            {"o4", "openai"},
    {"codex", "openai"},         {"gemini", "google"},        {"gemma", "google"},
    {"llama", "meta-llama"},     {"mistral", "mistralai"},    {"mixtral", "mistralai"},
    {"codestral", "mistralai"},  {"ministral", "mistralai"},  {"pixtral", "mistralai"},
    {"magistral", "mistralai"},  {"devstral", "mistralai"},   {"deepseek", "deepseek"},
    {"qwen", "qwen"},            {"qwq", "qwen"},             {"grok", "x-ai"},
    {"command", "cohere"},       {"kimi", "moonshotai"},      {"glm", "z-ai"},
    {"nova", "amazon"},          {"phi", "microsoft"},        {"sonar", "perplexity"},
    {"hermes", "nousresearch"},  {"jamba", "ai21"},
}};

bool starts_with_word(std::string_view name, std::string_view prefix) {
    if (name.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(name[i])) != prefix[i]) return false;
    }
    // A whole word only: "phi-4" is Microsoft's, "phind" is not.
    return name.size() == prefix.size() ||
           !std::isalpha(static_cast<unsigned char>(name[prefix.size()]));
}

}  // namespace

std::string infer_slug(std::string_view name) {
    if (name.find('/') != std::string_view::npos) return std::string(name);
    for (const auto& [prefix, vendor] : vendors) {
        if (starts_with_word(name, prefix)) return std::string(vendor) + "/" + std::string(name);
    }
    throw ErrorConfig("cannot infer the vendor of model '" + std::string(name) +
                      "': pin the full OpenRouter slug instead, e.g. \"vendor/" +
                      std::string(name) + "\" (see https://openrouter.ai/models)");
}

}  // namespace agentroute
