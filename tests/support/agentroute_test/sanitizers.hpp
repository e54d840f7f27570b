#pragma once

namespace agentroute::test {

/// True in ASan/UBSan/TSan builds, which run 2-20x slower: timing bounds and sizes scale down.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr bool sanitized = true;
#else
inline constexpr bool sanitized = false;
#endif

}  // namespace agentroute::test
