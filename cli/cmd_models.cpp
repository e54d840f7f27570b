#include "args.hpp"

#include <agentroute/api_key.hpp>
#include <agentroute/net/openrouter_model.hpp>
#include <agentroute/resolve_model.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <cstdio>
#include <iostream>

namespace agentroute::cli {

int cmd_models(const Args& args) {
    if (args.flag("help")) {
        std::cout << "usage: agentroute models [--json] [FILTER]\n\n"
                     "Lists OpenRouter's model catalogue: id, context length, USD per million input\n"
                     "and output tokens. FILTER keeps ids containing it.\n";
        return ok;
    }
    auto model = std::dynamic_pointer_cast<OpenRouterModel>(resolve_model("openrouter/auto"));
    boost::asio::io_context io;
    auto future = boost::asio::co_spawn(io, model->list_models(), boost::asio::use_future);
    io.run();
    std::vector<CatalogueEntry> entries = future.get();
    const std::string filter = args.positional().empty() ? "" : args.positional().front();
    boost::json::array out;
    for (const auto& e : entries) {
        if (!filter.empty() && e.id.find(filter) == std::string::npos) continue;
        if (args.flag("json")) {
            out.push_back(boost::json::object{{"id", e.id},
                                              {"context_length", e.context_length},
                                              {"prompt_usd_per_token", e.price.prompt},
                                              {"completion_usd_per_token", e.price.completion}});
        } else {
            std::printf("%-50s %9lld  $%8.3f/M in  $%8.3f/M out\n", e.id.c_str(),
                        static_cast<long long>(e.context_length), e.price.prompt * 1e6, e.price.completion * 1e6);
        }
    }
    if (args.flag("json")) std::cout << boost::json::serialize(out) << "\n";
    return ok;
}

}  // namespace agentroute::cli
