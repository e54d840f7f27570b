// docs/models-and-keys.md

#include "offline.hpp"

#include <agentroute/agentroute.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

using namespace agentroute;

int main() {
    auto offline = examples::offline_if_no_key();
    // tag::resolve[]
    // Development: convenient, vendor inferred.
    Agent dev({.name = "support", .model = "claude-sonnet-4"});
    // Production: explicit and stable.
    Agent prod({.name = "support", .model = "anthropic/claude-sonnet-4"});

    std::cout << infer_slug("gpt-4o-mini") << "\n";  // openai/gpt-4o-mini
    // end::resolve[]

    // tag::explicit[]
    // A per-tenant key from a secrets manager; never logged, never in an error message.
    std::string tenant_key = find_api_key()->key;
    Agent tenant({.name = "support", .model = "anthropic/claude-sonnet-4", .api_key = tenant_key});
    // end::explicit[]

    // tag::options[]
    OpenRouterOptions o;
    o.model = "anthropic/claude-sonnet-4";
    o.api_key = tenant_key;
    o.fallback_models = {"openai/gpt-4o"};      // OpenRouter's `models`
    o.provider = R"({"sort":"throughput"})";   // provider preferences
    o.app_url = "https://example.com";          // HTTP-Referer
    o.app_title = "Support bot";                // X-Title
    o.https.idle_timeout = std::chrono::seconds(120);
    o.retry.max_attempts = 3;
    if (const char* url = std::getenv("AGENTROUTE_BASE_URL")) o.base_url = url;
    if (const char* ca = std::getenv("AGENTROUTE_CA_FILE")) o.https.ca_file = ca;
    Agent custom({.name = "support", .model = std::make_shared<OpenRouterModel>(o)});
    // end::options[]
    std::cout << prod.run_sync("Hi").output << "\n" << custom.run_sync("Hi").output << "\n";

    // tag::preconnect[]
    // At start-up, before traffic: open connections on the context the runs will use, so the
    // first burst of requests skips TCP and TLS set-up (here: room for 500 requests at once).
    auto model = std::make_shared<OpenRouterModel>(o);
    boost::asio::io_context io;
    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
        const std::size_t ready = co_await model->preconnect(500);
        std::cout << "room for " << ready << " requests\n";
        // ... then start the runs on `io`.
    }, boost::asio::detached);
    io.run();
    // end::preconnect[]
    (void)dev;
    (void)tenant;
}
