#include <agentroute/api_key.hpp>
#include <agentroute/errors.hpp>
#include <agentroute/net/openrouter_model.hpp>
#include <agentroute/resolve_model.hpp>

#include <cstdlib>

namespace agentroute {

namespace {

std::string env_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

}  // namespace

ResolvedEndpoint resolve_endpoint() {
    ResolvedEndpoint e;
    if (auto found = find_api_key()) e.api_key = std::move(found->key);
    e.base_url = env_or_empty("AGENTROUTE_BASE_URL");
    e.ca_file = env_or_empty("AGENTROUTE_CA_FILE");
    return e;
}

std::shared_ptr<Model> resolve_model(std::string_view name, ResolveOptions options) {
    OpenRouterOptions o;
    o.model = infer_slug(name);
    // A missing key is reported by the first request, naming every place it is looked for.
    if (auto found = find_api_key(options.api_key)) o.api_key = std::move(found->key);
    if (options.base_url && !options.base_url->empty()) {
        o.base_url = *options.base_url;
    } else if (const char* url = std::getenv("AGENTROUTE_BASE_URL"); url && *url) {
        o.base_url = url;
    }
    if (options.ca_file && !options.ca_file->empty()) {
        o.https.ca_file = *options.ca_file;
    } else if (const char* ca = std::getenv("AGENTROUTE_CA_FILE"); ca && *ca) {
        o.https.ca_file = ca;
    }
    return std::make_shared<OpenRouterModel>(std::move(o));
}

}  // namespace agentroute
