#pragma once

#include <optional>
#include <string>

namespace agentroute {

/// Where a key was found, for messages that must never show the key itself.
struct FoundApiKey {
    std::string key;
    std::string source;  // "api_key option", "AGENTROUTE_API_KEY", "OPENROUTER_API_KEY", or the config path
};

/// The OpenRouter key, by the spec's precedence: `explicit_key` (e.g. `AgentOptions::api_key`),
/// then `AGENTROUTE_API_KEY`, then `OPENROUTER_API_KEY`, then `~/.agentroute/config`; nothing
/// when none is set. Empty values count as unset.
std::optional<FoundApiKey> find_api_key(const std::optional<std::string>& explicit_key = std::nullopt);

/// `$AGENTROUTE_CONFIG` when set, else `$HOME/.agentroute/config`.
std::string config_path();

/// Writes `key` to the config file (creating `~/.agentroute` with mode 0700 and the file with
/// mode 0600, replacing it atomically). Throws `ErrorConfig` when it cannot.
void save_api_key(const std::string& key);

}  // namespace agentroute
