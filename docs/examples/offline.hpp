#pragma once

// Shared by the examples: with no key in the environment, start the loopback fake OpenRouter
// and point the library at it, so every example runs offline over real HTTPS.

#include <agentroute/api_key.hpp>
#include <agentroute/net/fake_openrouter.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>

namespace examples {

inline std::unique_ptr<agentroute::testkit::FakeOpenRouter> offline_if_no_key() {
    if (agentroute::find_api_key()) return nullptr;
    auto fake = std::make_unique<agentroute::testkit::FakeOpenRouter>();
    ::setenv("AGENTROUTE_BASE_URL", fake->base_url().c_str(), 1);
    ::setenv("AGENTROUTE_CA_FILE", fake->ca_file().c_str(), 1);
    ::setenv("AGENTROUTE_API_KEY", "sk-or-offline-demo", 1);
    std::cerr << "[no API key set: using the built-in loopback OpenRouter at " << fake->base_url() << "]\n";
    return fake;
}

}  // namespace examples
