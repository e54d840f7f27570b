#pragma once

#include <cstddef>

namespace agentroute::net {

/// Connections the process's OpenRouter models hold open or are opening (idle ones in the
/// pools included), across every shared HTTPS client: the pool gauge of `telemetry/`.
std::size_t open_connections();

}  // namespace agentroute::net
