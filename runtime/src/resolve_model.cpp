#include <agentroute/api_key.hpp>
#include <agentroute/errors.hpp>
#include <agentroute/net/openrouter_model.hpp>
#include <agentroute/resolve_model.hpp>

#include <cstdlib>

namespace agentroute {

std::shared_ptr<Model> resolve_model(std::string_view name, ResolveOptions options) {
    OpenRouterOptions o;
    o.model = infer_slug(name);
    // A missing key is reported by the first request, naming every place it is looked for.
    if (auto found = find_api_key(options.api_key)) o.api_key = std::move(found->key);
    if (options.base_url) {
        o.base_url = *options.base_url;
    } else if (const char* url = std::getenv("AGENTROUTE_BASE_URL"); url && *url) {
        o.base_url = url;
    }
    if (options.ca_file) {
        o.https.ca_file = *options.ca_file;
    } else if (const char* ca = std::getenv("AGENTROUTE_CA_FILE"); ca && *ca) {
        o.https.ca_file = ca;
    }
    return std::make_shared<OpenRouterModel>(std::move(o));
}

}  // namespace agentroute
