#pragma once

#include <agentroute/model.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace agentroute {

/// Options of `resolve_model`; every field is optional.
struct ResolveOptions {
    /// The OpenRouter key; otherwise found as `find_api_key` says.
    std::optional<std::string> api_key{};
    /// Another OpenAI-compatible endpoint; otherwise `AGENTROUTE_BASE_URL`, then OpenRouter.
    std::optional<std::string> base_url{};
    /// A PEM file of extra trusted CAs (for self-signed test servers); otherwise
    /// `AGENTROUTE_CA_FILE`. Verification is never turned off.
    std::optional<std::string> ca_file{};
};

/// The full OpenRouter slug of a model name: slugs (with a '/') pass through unchanged; bare
/// names get their vendor by inference ("claude-sonnet-4" -> "anthropic/claude-sonnet-4").
/// Throws `ErrorConfig` for a bare name whose vendor cannot be inferred.
std::string infer_slug(std::string_view name);

/// Where a model given by name is reached, as the environment says now: the key (by
/// `find_api_key`; empty when none), the base URL (`AGENTROUTE_BASE_URL`, empty for OpenRouter)
/// and the extra CA file (`AGENTROUTE_CA_FILE`).
struct ResolvedEndpoint {
    std::string api_key{};
    std::string base_url{};
    std::string ca_file{};
    friend bool operator==(const ResolvedEndpoint&, const ResolvedEndpoint&) = default;
};

/// `ResolvedEndpoint` from the environment and the config file. Cheap: two or three `getenv`
/// calls, and the config file is read only when no variable holds a key, and then only when it
/// changed since the last read.
ResolvedEndpoint resolve_endpoint();

/// The model for a name or slug, reached through OpenRouter with one key.
/// Throws `ErrorConfig` for an unknown bare name. A missing key is reported when the model is
/// first called, naming every place a key is looked for.
std::shared_ptr<Model> resolve_model(std::string_view name, ResolveOptions options = {});

}  // namespace agentroute
