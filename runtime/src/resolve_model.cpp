#include <agentroute/errors.hpp>
#include <agentroute/resolve_model.hpp>

namespace agentroute {

std::shared_ptr<Model> resolve_model(std::string_view name, ResolveOptions) {
    const std::string slug = infer_slug(name);
    throw ErrorConfig("model '" + slug + "': this build has no OpenRouter client yet");
}

}  // namespace agentroute
