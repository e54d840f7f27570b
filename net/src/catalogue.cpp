#include "catalogue.hpp"

#include "wire_numbers.hpp"

#include <agentroute/detail/exact_json.hpp>
#include <agentroute/errors.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>

namespace agentroute::net::detail {

namespace json = boost::json;

namespace {

// A price or an amount, sent as a decimal string or a number; nothing when it is absent, not
// a number, NaN, infinite or negative (OpenRouter lists "-1" for a router's variable price).
std::optional<double> decimal(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    if (!v) return std::nullopt;
    if (v->is_string()) {
        const std::string text(v->get_string());
        char* end = nullptr;
        const double d = std::strtod(text.c_str(), &end);
        return end != text.c_str() && *end == '\0' ? finite_amount(d) : std::nullopt;
    }
    if (v->is_number()) return finite_amount(v->to_number<double>());
    return std::nullopt;
}

struct CacheEntry {
    std::shared_ptr<const Catalogue> catalogue;
    std::chrono::steady_clock::time_point failed_at{};
};

}  // namespace

std::shared_ptr<const Catalogue> Catalogue::parse(std::string_view body) {
    boost::system::error_code ec;
    json::value v = agentroute::detail::parse_json_exactly(body, ec);
    const json::value* data = !ec && v.is_object() ? v.get_object().if_contains("data") : nullptr;
    if (!data || !data->is_array()) throw ErrorProtocol("the /models answer has no data array");
    auto catalogue = std::make_shared<Catalogue>();
    for (const json::value& item : data->get_array()) {
        if (!item.is_object()) continue;
        const json::object& m = item.get_object();
        CatalogueEntry e;
        if (const auto* id = m.if_contains("id"); id && id->is_string()) e.id = std::string(id->get_string());
        if (const auto* name = m.if_contains("name"); name && name->is_string()) e.name = std::string(name->get_string());
        if (const auto* ctx = m.if_contains("context_length"); ctx && ctx->is_number()) {
            e.context_length = std::max<std::int64_t>(0, whole_number(ctx->to_number<double>()).value_or(0));
        }
        if (const auto* pricing = m.if_contains("pricing"); pricing && pricing->is_object()) {
            const auto prompt = decimal(pricing->get_object(), "prompt");
            const auto completion = decimal(pricing->get_object(), "completion");
            e.price.prompt = prompt.value_or(0);
            e.price.completion = completion.value_or(0);
            e.price.request = decimal(pricing->get_object(), "request").value_or(0);
            e.priced = prompt && completion;
        }
        if (e.id.empty()) continue;
        catalogue->by_id_[e.id] = catalogue->entries_.size();
        catalogue->entries_.push_back(std::move(e));
    }
    return catalogue;
}

std::optional<ModelPrice> Catalogue::price(const std::string& slug) const {
    auto it = by_id_.find(slug);
    if (it == by_id_.end() || !entries_[it->second].priced) return std::nullopt;
    return entries_[it->second].price;
}

boost::asio::awaitable<std::shared_ptr<const Catalogue>> Catalogue::for_endpoint(
    HttpClient& client, const HttpsUrl& url, std::string_view fields) {
    static std::mutex mutex;
    static std::map<std::string, CacheEntry> cache;
    const std::string key = url.endpoint.host + ":" + url.endpoint.port + url.path;
    {
        std::lock_guard lock(mutex);
        const CacheEntry& entry = cache[key];
        if (entry.catalogue) co_return entry.catalogue;
        if (std::chrono::steady_clock::now() - entry.failed_at < std::chrono::minutes(1)) co_return nullptr;
    }
    HttpRequest request;
    request.method = "GET";
    const std::string target = url.path + "/models";
    request.target = target;
    request.fields = fields;
    std::string body;
    BodySink sink = [&](std::string_view chunk) {
        body.append(chunk);
        return true;
    };
    ExchangeResult result = co_await client.exchange(url.endpoint, request, sink);
    std::shared_ptr<const Catalogue> catalogue;
    if (!result.ec && result.head.status == 200) {
        try {
            catalogue = parse(body);
        } catch (const ErrorProtocol&) {
        }
    }
    std::lock_guard lock(mutex);
    CacheEntry& entry = cache[key];
    if (catalogue) {
        entry.catalogue = catalogue;
    } else {
        entry.failed_at = std::chrono::steady_clock::now();
    }
    co_return catalogue;
}

KeyInfo parse_key_info(std::string_view body) {
    boost::system::error_code ec;
    json::value v = agentroute::detail::parse_json_exactly(body, ec);
    const json::value* data = !ec && v.is_object() ? v.get_object().if_contains("data") : nullptr;
    if (!data || !data->is_object()) throw ErrorProtocol("the /key answer has no data object");
    const json::object& d = data->get_object();
    KeyInfo info;
    if (const auto* label = d.if_contains("label"); label && label->is_string()) info.label = std::string(label->get_string());
    info.usage_usd = decimal(d, "usage").value_or(0);
    info.limit_usd = decimal(d, "limit");  // null (no limit) or not an amount: none
    if (const auto* free = d.if_contains("is_free_tier"); free && free->is_bool()) info.is_free_tier = free->get_bool();
    return info;
}

}  // namespace agentroute::net::detail
