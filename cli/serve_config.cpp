#include "serve_config.hpp"

#include <agentroute/mcp/mcp_server.hpp>

#include <agentroute/errors.hpp>
#include <agentroute/history/sliding_window.hpp>
#include <agentroute/history/truncate.hpp>
#include <agentroute/memory/memory_sqlite.hpp>
#include <agentroute/telemetry/telemetry.hpp>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace agentroute::cli {

namespace json = boost::json;

namespace {

// One JSON object whose members are each read once: what is left at the end was misspelt.
class Members {
public:
    Members(const json::value& v, std::string where) : where_(std::move(where)) {
        if (!v.is_object()) throw ErrorConfig(where_ + " must be an object");
        object_ = &v.as_object();
    }

    const json::value* find(std::string_view key) {
        seen_.emplace_back(key);
        return object_->if_contains(key);
    }

    std::optional<std::string> string(std::string_view key) {
        const json::value* v = find(key);
        if (!v) return std::nullopt;
        if (!v->is_string()) throw ErrorConfig(name(key) + " must be a string");
        return std::string(v->as_string());
    }

    std::optional<double> number(std::string_view key, double min) {
        const json::value* v = find(key);
        if (!v) return std::nullopt;
        if (!v->is_number()) throw ErrorConfig(name(key) + " must be a number");
        const double d = v->to_number<double>();
        if (d < min) throw ErrorConfig(name(key) + " must be at least " + json::serialize(json::value(min)));
        return d;
    }

    std::optional<bool> boolean(std::string_view key) {
        const json::value* v = find(key);
        if (!v) return std::nullopt;
        if (!v->is_bool()) throw ErrorConfig(name(key) + " must be true or false");
        return v->as_bool();
    }

    std::string name(std::string_view key) const { return where_ + "." + std::string(key); }

    void no_others() const {
        for (const auto& member : *object_) {
            if (std::find(seen_.begin(), seen_.end(), member.key()) == seen_.end()) {
                throw ErrorConfig(name(member.key()) + " is not a setting of this file (see docs/serving.md)");
            }
        }
    }

private:
    std::string where_;
    const json::object* object_ = nullptr;
    std::vector<std::string> seen_;
};

serve::OnDisconnect disconnect_policy(const std::string& text, const std::string& name) {
    if (text == "cancel") return serve::OnDisconnect::cancel;
    if (text == "finish") return serve::OnDisconnect::finish;
    throw ErrorConfig(name + " must be \"cancel\" or \"finish\"");
}

void read_milliseconds(Members& m, std::string_view key, std::chrono::milliseconds& into) {
    if (auto v = m.number(key, 1)) into = std::chrono::milliseconds(static_cast<long long>(*v));
}

void read_listen(const json::value& v, serve::ServeOptions& o) {
    Members m(v, "listen");
    if (auto host = m.string("host")) o.host = *host;
    if (auto port = m.number("port", 0)) {
        if (*port > 65535) throw ErrorConfig("listen.port must be at most 65535");
        o.port = static_cast<std::uint16_t>(*port);
    }
    if (const json::value* tls = m.find("tls")) {
        Members t(*tls, "listen.tls");
        serve::TlsFiles files;
        files.certificate_chain_file = t.string("certificate_chain_file").value_or("");
        files.private_key_file = t.string("private_key_file").value_or("");
        if (files.certificate_chain_file.empty() || files.private_key_file.empty()) {
            throw ErrorConfig("listen.tls needs certificate_chain_file and private_key_file");
        }
        t.no_others();
        o.tls = std::move(files);
    }
    m.no_others();
}

void read_limits(const json::value& v, serve::ServeOptions& o) {
    Members m(v, "limits");
    auto count = [&](std::string_view key, std::size_t& into) {
        if (auto n = m.number(key, 1)) into = static_cast<std::size_t>(*n);
    };
    count("max_concurrent_runs", o.max_concurrent_runs);
    count("max_connections", o.max_connections);
    count("max_header_bytes", o.max_header_bytes);
    count("max_body_bytes", o.max_body_bytes);
    if (auto s = m.number("retry_after_seconds", 1)) o.retry_after = std::chrono::seconds(static_cast<long long>(*s));
    read_milliseconds(m, "request_timeout_ms", o.request_timeout);
    read_milliseconds(m, "idle_timeout_ms", o.idle_timeout);
    read_milliseconds(m, "write_timeout_ms", o.write_timeout);
    read_milliseconds(m, "drain_timeout_ms", o.drain_timeout);
    m.no_others();
}

std::shared_ptr<HistoryPolicy> read_history(const json::value& v, const std::string& where) {
    Members m(v, where);
    const std::string policy = m.string("policy").value_or("");
    std::shared_ptr<HistoryPolicy> out;
    if (policy == "sliding_window") {
        out = std::make_shared<HistorySlidingWindow>(static_cast<std::size_t>(m.number("messages", 1).value_or(20)));
    } else if (policy == "truncate") {
        out = std::make_shared<HistoryTruncate>(static_cast<std::size_t>(m.number("max_tokens", 1).value_or(100'000)));
    } else {
        throw ErrorConfig(m.name("policy") + " must be \"sliding_window\" or \"truncate\"");
    }
    m.no_others();
    return out;
}

serve::Tenant read_tenant(const json::value& v, std::size_t index) {
    Members m(v, "config.tenants[" + std::to_string(index) + "]");
    serve::Tenant t;
    t.id = m.string("id").value_or("");
    t.token = m.string("token").value_or("");
    if (t.id.empty() || t.token.empty()) throw ErrorConfig(m.name("id") + " and token are required");
    t.daily_budget_usd = m.number("daily_budget_usd", 0);
    if (auto cap = m.number("max_concurrent_runs", 1)) t.max_concurrent_runs = static_cast<std::size_t>(*cap);
    m.no_others();
    return t;
}

std::vector<std::string> string_list(const json::value* v, const std::string& name) {
    std::vector<std::string> out;
    if (!v) return out;
    if (!v->is_array()) throw ErrorConfig(name + " must be an array of strings");
    for (const json::value& item : v->as_array()) {
        if (!item.is_string()) throw ErrorConfig(name + " must be an array of strings");
        out.emplace_back(item.as_string());
    }
    return out;
}

// One of an agent's "mcp_servers": {"name", "command": [...]} (stdio) or {"name", "url",
// "headers"} (Streamable HTTP), with "allow"/"deny"; its tools are prefixed with its name.
std::shared_ptr<mcp::McpClient> read_mcp_server(const json::value& v, const std::string& where,
                                                const boost::asio::any_io_executor& executor) {
    Members m(v, where);
    mcp::McpClientOptions options;
    options.tool_prefix = m.string("name").value_or("");
    if (options.tool_prefix.empty()) throw ErrorConfig(m.name("name") + " is required (it prefixes the server's tools)");
    options.allow = string_list(m.find("allow"), m.name("allow"));
    options.deny = string_list(m.find("deny"), m.name("deny"));
    const std::vector<std::string> command = string_list(m.find("command"), m.name("command"));
    const std::optional<std::string> url = m.string("url");
    std::shared_ptr<mcp::McpClient> client;
    if (!command.empty() && !url) {
        mcp::StdioServer server{.command = command.front(), .args = {command.begin() + 1, command.end()}};
        client = mcp::McpClient::stdio(executor, std::move(server), std::move(options));
    } else if (command.empty() && url) {
        mcp::HttpServer server{.url = *url};
        if (const json::value* headers = m.find("headers")) {
            Members h(*headers, m.name("headers"));
            for (const auto& member : headers->as_object()) {
                if (auto value = h.string(member.key())) server.headers.emplace_back(member.key(), *value);
            }
        }
        client = mcp::McpClient::http(executor, std::move(server), std::move(options));
    } else {
        throw ErrorConfig(where + " needs either \"command\" (stdio) or \"url\" (Streamable HTTP)");
    }
    m.no_others();
    return client;
}

ServedAgentConfig read_agent(const json::value& v, const std::string& where, const std::filesystem::path& folder,
                             std::shared_ptr<telemetry::Telemetry> tracing, const boost::asio::any_io_executor& executor,
                             std::vector<std::shared_ptr<mcp::McpClient>>& mcp_clients) {
    Members m(v, where);
    AgentOptions o;
    o.tracer = std::move(tracing);
    o.name = m.string("name").value_or("");
    if (o.name.empty()) throw ErrorConfig(m.name("name") + " is required");
    const std::string model = m.string("model").value_or("");
    if (model.empty()) throw ErrorConfig(m.name("model") + " is required");
    o.model = model;
    o.instructions = m.string("instructions").value_or("");
    o.max_cost = m.number("max_cost", 0);
    if (auto turns = m.number("max_turns", 1)) o.max_turns = static_cast<int>(*turns);
    if (auto retries = m.number("retries", 0)) o.retries = static_cast<int>(*retries);
    if (auto unknown = m.boolean("allow_unknown_cost")) o.allow_unknown_cost = *unknown;
    if (auto memory = m.string("memory")) {
        if (*memory == ":memory:") {
            o.memory = std::make_shared<Memory>();
        } else {
            const std::filesystem::path file = folder / *memory;  // an absolute path stays itself
            o.memory = std::make_shared<MemorySQLite>(file.string());
        }
    }
    if (const json::value* history = m.find("history")) o.history = read_history(*history, m.name("history"));
    ServedAgentConfig served{Agent<>(std::move(o)), {}};
    if (const json::value* servers = m.find("mcp_servers")) {
        if (!servers->is_array()) throw ErrorConfig(m.name("mcp_servers") + " must be an array of MCP servers");
        std::size_t i = 0;
        for (const json::value& s : servers->as_array()) {
            auto client = read_mcp_server(s, m.name("mcp_servers") + "[" + std::to_string(i++) + "]", executor);
            served.agent.tools(client);
            mcp_clients.push_back(std::move(client));
        }
    }
    if (auto policy = m.string("on_disconnect")) served.options.on_disconnect = disconnect_policy(*policy, m.name("on_disconnect"));
    m.no_others();
    return served;
}

// "telemetry": {"otlp_endpoint", "otlp_headers", "service_name", "capture_content",
// "metric_names"}: GenAI spans and metrics of every agent (docs/observability.md).
void read_telemetry(const json::value& v, const boost::asio::any_io_executor& executor, ServeConfig& config) {
    Members m(v, "config.telemetry");
    telemetry::TelemetryOptions options;
    if (auto content = m.boolean("capture_content")) options.capture_content = *content;
    if (auto names = m.string("metric_names")) {
        if (*names == "stable") options.metric_names = telemetry::MetricNames::stable;
        else if (*names == "draft") options.metric_names = telemetry::MetricNames::draft;
        else if (*names == "both") options.metric_names = telemetry::MetricNames::both;
        else throw ErrorConfig(m.name("metric_names") + " must be \"stable\", \"draft\" or \"both\"");
    }
    telemetry::OtlpOptions otlp;
    if (auto service = m.string("service_name")) otlp.service_name = *service;
    if (const json::value* headers = m.find("otlp_headers")) {
        Members h(*headers, m.name("otlp_headers"));
        for (const auto& member : headers->as_object()) {
            if (auto value = h.string(member.key())) otlp.headers.emplace_back(member.key(), *value);
        }
    }
    if (auto endpoint = m.string("otlp_endpoint")) {
        otlp.endpoint = *endpoint;
        config.exporter = telemetry::OtlpExporter::create(executor, std::move(otlp));
        options.sinks.push_back(config.exporter);
    }
    m.no_others();
    config.server.telemetry = std::make_shared<telemetry::Telemetry>(std::move(options));
}

}  // namespace

ServeConfig read_serve_config(const std::string& path, const boost::asio::any_io_executor& executor) {
    std::ifstream in(path);
    if (!in) throw ErrorConfig("cannot read the serve config " + path);
    std::stringstream text;
    text << in.rdbuf();
    json::error_code ec;
    const json::value v = json::parse(text.str(), ec);
    if (ec) throw ErrorConfig("the serve config " + path + " is not JSON: " + ec.message());

    ServeConfig config;
    Members m(v, "config");
    if (const json::value* listen = m.find("listen")) read_listen(*listen, config.server);
    if (const json::value* limits = m.find("limits")) read_limits(*limits, config.server);
    if (auto policy = m.string("on_disconnect")) config.server.on_disconnect = disconnect_policy(*policy, "config.on_disconnect");
    if (auto log = m.boolean("access_log")) config.access_log = *log;
    const std::filesystem::path folder = std::filesystem::absolute(path).parent_path();
    if (const json::value* tenants = m.find("tenants")) {
        if (!tenants->is_array()) throw ErrorConfig("config.tenants must be an array of tenants");
        std::size_t i = 0;
        for (const json::value& t : tenants->as_array()) config.server.tenants.push_back(read_tenant(t, i++));
    }
    if (auto ledger = m.string("ledger")) config.server.ledger = std::make_shared<MemorySQLite>((folder / *ledger).string());
    if (const json::value* t = m.find("telemetry")) read_telemetry(*t, executor, config);
    const json::value* agents = m.find("agents");
    if (!agents || !agents->is_array() || agents->as_array().empty()) {
        throw ErrorConfig("config.agents must be a non-empty array of agents");
    }
    std::size_t i = 0;
    for (const json::value& a : agents->as_array()) {
        config.agents.push_back(read_agent(a, "config.agents[" + std::to_string(i++) + "]", folder, config.server.telemetry,
                                           executor, config.mcp_clients));
    }
    // "mcp": {"path": "/mcp"}: every agent is also an MCP tool (docs/mcp.md#serving-over-mcp).
    if (const json::value* offer = m.find("mcp")) {
        Members o(*offer, "config.mcp");
        if (auto path = o.string("path")) {
            if (!path->starts_with('/') || path->starts_with("/v1/")) throw ErrorConfig(o.name("path") + " must start with / and not be under /v1/");
            config.server.mcp_path = *path;
        }
        o.no_others();
        auto server = std::make_shared<mcp::McpServer>();
        for (const ServedAgentConfig& a : config.agents) server->agent(a.agent, {.name = a.options.name});
        config.server.mcp = std::move(server);
    }
    m.no_others();
    return config;
}

ServeConfig default_serve_config(const std::string& model) {
    ServeConfig config;
    config.agents.push_back({Agent<>(AgentOptions{.name = "assistant", .model = model, .memory = std::make_shared<Memory>()}), {}});
    return config;
}

}  // namespace agentroute::cli
