#pragma once

namespace agentroute::test {

// GCC says so with __SANITIZE_*__, clang with __has_feature.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define AGENTROUTE_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define AGENTROUTE_TEST_SANITIZED 1
#endif

/// True in ASan/UBSan/TSan builds, which run 2-20x slower: timing bounds and sizes scale down.
#ifdef AGENTROUTE_TEST_SANITIZED
inline constexpr bool sanitized = true;
#else
inline constexpr bool sanitized = false;
#endif

}  // namespace agentroute::test
