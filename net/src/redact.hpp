#pragma once

// Server-supplied text (error messages, echoed bodies) may hold the API key: OpenRouter and
// upstream providers echo it ("Invalid API key provided: sk-or-v1-…"). Every such text passes
// through here before it reaches an exception, an event or a log line.

#include <string>
#include <string_view>

namespace agentroute::net::detail {

/// What a secret is replaced with.
inline constexpr std::string_view redacted_mark = "[redacted]";

/// `text` with the key in use removed, whole or in part (any run of eight or more of its
/// characters, as a server shows a masked or cut key), and anything shaped like an OpenRouter
/// or provider key (`sk-…`, `sk_…`, `AIza…`, `xai-…`, `gsk_…`, `hf_…`, `r8_…`, `pplx-…`, a
/// bearer token) replaced by `redacted_mark`.
std::string redact_secrets(std::string_view text, std::string_view key);

}  // namespace agentroute::net::detail
