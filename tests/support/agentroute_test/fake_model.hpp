#pragma once

#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <string>

namespace agentroute::test {

/// OpenRouterOptions that reach `fake` over verified TLS (its CA trusted explicitly).
inline OpenRouterOptions fake_options(const agentroute::testkit::FakeOpenRouter& fake,
                                      std::string model = "fake/model",
                                      std::string api_key = "sk-or-v1-test") {
    OpenRouterOptions o;
    o.model = std::move(model);
    o.api_key = std::move(api_key);
    o.base_url = fake.base_url();
    o.https.ca_file = fake.ca_file();
    return o;
}

}  // namespace agentroute::test
