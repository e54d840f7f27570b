#include "url.hpp"

#include <agentroute/errors.hpp>

#include <cstdlib>

namespace agentroute::net::detail {
namespace {

// host[:port] with [v6] literals; the port defaults to `default_port`.
Endpoint split_authority(std::string_view authority, std::string_view default_port) {
    Endpoint e;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return {};
        e.host = std::string(authority.substr(1, close - 1));
        authority.remove_prefix(close + 1);
        e.port = authority.size() > 1 && authority.front() == ':' ? std::string(authority.substr(1))
                                                                   : std::string(default_port);
        return e;
    }
    const auto colon = authority.rfind(':');
    if (colon == std::string_view::npos) {
        e.host = std::string(authority);
        e.port = std::string(default_port);
    } else {
        e.host = std::string(authority.substr(0, colon));
        e.port = std::string(authority.substr(colon + 1));
    }
    return e;
}

}  // namespace

HttpsUrl parse_https_url(std::string_view url) {
    constexpr std::string_view scheme = "https://";
    if (url.substr(0, scheme.size()) != scheme) {
        throw ErrorConfig("base URL '" + std::string(url) +
                          "' must start with https:// (TLS is always used and verified)");
    }
    std::string_view rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    HttpsUrl out;
    out.endpoint = split_authority(rest.substr(0, slash), "443");
    if (out.endpoint.host.empty() || out.endpoint.port.empty()) {
        throw ErrorConfig("base URL '" + std::string(url) + "' has no host");
    }
    out.path = slash == std::string_view::npos ? std::string() : std::string(rest.substr(slash));
    while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
    return out;
}

HttpsUrl parse_plain_http_url(std::string_view url) {
    constexpr std::string_view scheme = "http://";
    if (url.substr(0, scheme.size()) != scheme) {
        throw ErrorConfig("URL '" + std::string(url) + "' must start with http:// or https://");
    }
    std::string_view rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    HttpsUrl out;
    out.endpoint = split_authority(rest.substr(0, slash), "80");
    if (out.endpoint.host.empty() || out.endpoint.port.empty()) {
        throw ErrorConfig("URL '" + std::string(url) + "' has no host");
    }
    out.path = slash == std::string_view::npos ? std::string("/") : std::string(rest.substr(slash));
    return out;
}

std::optional<Endpoint> proxy_for(const std::string& host, const std::string& configured) {
    std::string proxy = configured;
    if (proxy.empty()) {
        for (const char* name : {"HTTPS_PROXY", "https_proxy"}) {
            if (const char* v = std::getenv(name); v && *v) {
                proxy = v;
                break;
            }
        }
    }
    if (proxy.empty() || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0) {
        return std::nullopt;
    }
    for (const char* name : {"NO_PROXY", "no_proxy"}) {
        const char* v = std::getenv(name);
        if (!v) continue;
        std::string_view list = v;
        while (!list.empty()) {
            const auto comma = list.find(',');
            std::string_view item = list.substr(0, comma);
            while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
            if (item == "*" || item == host ||
                (!item.empty() && host.size() > item.size() &&
                 host.compare(host.size() - item.size(), item.size(), item) == 0 &&
                 (item.front() == '.' || host[host.size() - item.size() - 1] == '.'))) {
                return std::nullopt;
            }
            list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        }
    }
    std::string_view p = proxy;
    if (const auto scheme = p.find("://"); scheme != std::string_view::npos) p.remove_prefix(scheme + 3);
    if (const auto slash = p.find('/'); slash != std::string_view::npos) p = p.substr(0, slash);
    if (const auto at = p.rfind('@'); at != std::string_view::npos) p.remove_prefix(at + 1);
    Endpoint e = split_authority(p, "80");
    if (e.host.empty()) return std::nullopt;
    return e;
}

}  // namespace agentroute::net::detail
