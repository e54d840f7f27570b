#pragma once

#include <optional>
#include <string>

namespace agentroute {

/// Where a key was found, for messages that must never show the key itself.
struct FoundApiKey {
    std::string key{};
    std::string source{};  // "api_key option", "AGENTROUTE_API_KEY", "OPENROUTER_API_KEY", or the config path
};

/// The OpenRouter key, by the spec's precedence: `explicit_key` (e.g. `AgentOptions::api_key`),
/// then `AGENTROUTE_API_KEY`, then `OPENROUTER_API_KEY`, then `~/.agentroute/config`; nothing
/// when none is set. Empty values count as unset.
std::optional<FoundApiKey> find_api_key(const std::optional<std::string>& explicit_key = std::nullopt);

/// `$AGENTROUTE_CONFIG` when set, else `$HOME/.agentroute/config`.
std::string config_path();

/// Writes `key` to the config file, as `ssh-keygen` writes a private key: a fresh file of its
/// own in the target's folder (exclusive create, mode 0600, never through a link), synced, then
/// renamed over the target. Missing folders are created with mode 0700; existing ones are never
/// changed. Throws `ErrorConfig` when it cannot, or when the path is relative.
void save_api_key(const std::string& key);

}  // namespace agentroute
