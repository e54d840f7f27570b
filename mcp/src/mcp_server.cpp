// McpServer's registration, McpCall, and the sessions of the Streamable HTTP transport.

#include "server_core.hpp"

#include <agentroute/errors.hpp>

#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <random>

namespace agentroute::mcp {

namespace asio = boost::asio;
namespace json = boost::json;

// McpCall --------------------------------------------------------------------------------------

const json::object& McpCall::arguments() const noexcept { return call_->arguments; }
const json::object& McpCall::meta() const noexcept { return call_->meta; }
const json::object& McpCall::client_capabilities() const noexcept { return *call_->client_capabilities; }

void McpCall::progress(double progress, std::optional<double> total, std::string message) {
    if (call_->progress_token.is_null()) return;
    json::object params;
    params["progressToken"] = call_->progress_token;
    params["progress"] = progress;
    if (total) params["total"] = *total;
    if (!message.empty()) params["message"] = std::move(message);
    json::object out;
    out["jsonrpc"] = "2.0";
    out["method"] = "notifications/progress";
    out["params"] = std::move(params);
    call_->sink->send(json::serialize(out));
}

void McpCall::log(McpLogLevel level, json::value data, std::string logger) {
    call_->session->send_log(*call_, level, std::move(data), logger);
}

asio::awaitable<json::object> McpCall::ask_client(std::string method, json::object params) {
    return call_->session->ask_client(*call_, std::move(method), std::move(params));
}

void McpCall::end_stream(std::chrono::milliseconds retry) { call_->sink->end_response(retry); }

json::object text_result(std::string_view text, bool is_error) {
    json::object block;
    block["type"] = "text";
    block["text"] = text;
    json::array content;
    content.push_back(std::move(block));
    json::object out;
    out["content"] = std::move(content);
    if (is_error) out["isError"] = true;
    return out;
}

// Sessions -------------------------------------------------------------------------------------

namespace detail {

namespace {

// 128 random bits: a session id is the only thing that ties a request to its session.
std::string new_session_id() {
    static thread_local std::mt19937_64 bits{std::random_device{}() ^ (std::uint64_t(std::random_device{}()) << 32)};
    constexpr char hex[] = "0123456789abcdef";
    std::string id;
    for (int word = 0; word < 2; ++word) {
        std::uint64_t v = bits();
        for (int i = 0; i < 16; ++i, v >>= 4) id.push_back(hex[v & 15]);
    }
    return id;
}

}  // namespace

void ServerCore::end_idle_sessions() {
    const auto cutoff = ServerSession::Clock::now() - options.session_idle_timeout;
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        if (it->second->last_used() < cutoff) {
            it->second->end();
            it = sessions_.erase(it);
        } else {
            ++it;
        }
    }
}

std::shared_ptr<ServerSession> ServerCore::open_session() {
    const std::lock_guard lock(mutex_);
    end_idle_sessions();
    if (sessions_.size() >= options.max_sessions) return nullptr;
    auto session = std::make_shared<ServerSession>(catalog, new_session_id());
    sessions_.emplace(session->id(), session);
    return session;
}

std::shared_ptr<ServerSession> ServerCore::find_session(std::string_view id) {
    const std::lock_guard lock(mutex_);
    const auto it = sessions_.find(id);
    if (it == sessions_.end()) return nullptr;
    if (it->second->last_used() < ServerSession::Clock::now() - options.session_idle_timeout) {
        it->second->end();
        sessions_.erase(it);
        return nullptr;
    }
    return it->second;
}

bool ServerCore::close_session(std::string_view id) {
    std::shared_ptr<ServerSession> session;
    {
        const std::lock_guard lock(mutex_);
        const auto it = sessions_.find(id);
        if (it == sessions_.end()) return false;
        session = std::move(it->second);
        sessions_.erase(it);
    }
    session->end();
    return true;
}

std::size_t ServerCore::session_count() const {
    const std::lock_guard lock(mutex_);
    return sessions_.size();
}

}  // namespace detail

// Registration ---------------------------------------------------------------------------------

namespace {

void check_schema(const std::string& tool, std::string_view what, const std::string& schema) {
    boost::system::error_code ec;
    const json::value parsed = json::parse(schema, ec);
    if (ec || !parsed.is_object()) {
        throw ErrorConfig("MCP tool " + tool + ": its " + std::string(what) + " is not a JSON object");
    }
}

// The handlers are shared, not copied per call: a copy of a std::function allocates.
asio::awaitable<json::object> run_json_tool(std::shared_ptr<const JsonToolHandler> invoke, McpCall& call) {
    // Outside any run: the context a tool reaches has no memory or deps.
    RunContext context("mcp", "", nullptr, co_await asio::this_coro::executor);
    const json::value arguments = call.arguments();
    std::string text = co_await (*invoke)(context, arguments);
    co_return text_result(text);
}

json::object usage_json(const Usage& usage) {
    json::object out;
    out["input_tokens"] = usage.input_tokens;
    out["output_tokens"] = usage.output_tokens;
    out["cached_input_tokens"] = usage.cached_input_tokens;
    out["reasoning_tokens"] = usage.reasoning_tokens;
    out["model_calls"] = usage.model_calls;
    out["cost_usd"] = usage.total_cost_usd;
    if (usage.cost_estimated) out["cost_estimated"] = true;
    if (usage.cost_unknown) out["cost_unknown"] = true;
    return out;
}

json::object agent_result(McpServer::AgentAnswer answer) {
    json::object out = answer.error.empty() ? text_result(answer.text) : text_result(answer.error, true);
    if (answer.structured && answer.error.empty()) out["structuredContent"] = std::move(*answer.structured);
    json::object meta;
    meta["agentroute/usage"] = usage_json(answer.usage);
    out["_meta"] = std::move(meta);
    return out;
}

asio::awaitable<json::object> run_agent_tool(std::shared_ptr<const McpServer::AgentRunner> runner, McpCall& call) {
    const json::value* input = call.arguments().if_contains("input");
    if (!input || !input->is_string()) co_return text_result("the argument input (a string) is required", true);
    std::string prompt(input->get_string());
    McpServer::AgentAnswer answer = co_await (*runner)(std::move(prompt));
    co_return agent_result(std::move(answer));
}

constexpr const char* agent_input_schema =
    R"({"type":"object","properties":{"input":{"type":"string","description":"What to ask the agent."}},)"
    R"("required":["input"],"additionalProperties":false})";

}  // namespace

McpServer::McpServer(McpServerOptions options) : core_(std::make_shared<detail::ServerCore>(std::move(options))) {}

McpServer& McpServer::tool(McpServerTool tool) {
    if (tool.name.empty()) throw ErrorConfig("an MCP tool needs a name");
    if (core_->registry.find_tool(tool.name)) throw ErrorConfig("an MCP tool named " + tool.name + " is offered already");
    if (!tool.handler) throw ErrorConfig("MCP tool " + tool.name + " has no handler");
    check_schema(tool.name, "input schema", tool.input_schema);
    if (!tool.output_schema.empty()) check_schema(tool.name, "output schema", tool.output_schema);
    core_->registry.tools.push_back(std::move(tool));
    return *this;
}

McpServer& McpServer::tool(JsonTool json_tool) {
    McpServerTool t;
    t.name = json_tool.definition.name;
    t.description = json_tool.definition.description;
    t.input_schema = json_tool.definition.parameters_schema;
    t.handler = [invoke = std::make_shared<const JsonToolHandler>(std::move(json_tool.invoke))](McpCall& call) {
        return run_json_tool(invoke, call);
    };
    return tool(std::move(t));
}

McpServer& McpServer::agent_tool(const std::string& agent_name, McpAgentToolOptions options, std::string output_schema,
                                 AgentRunner runner) {
    McpServerTool t;
    t.name = options.name.empty() ? agent_name : std::move(options.name);
    if (t.name.empty()) throw ErrorConfig("an agent offered over MCP needs a name (AgentOptions::name or McpAgentToolOptions::name)");
    t.description = options.description.empty() ? "Ask the agent " + t.name + "." : std::move(options.description);
    t.input_schema = agent_input_schema;
    t.output_schema = std::move(output_schema);
    t.handler = [runner = std::make_shared<const AgentRunner>(std::move(runner))](McpCall& call) {
        return run_agent_tool(runner, call);
    };
    return tool(std::move(t));
}

McpServer& McpServer::resource(McpResource resource) {
    if (resource.uri.empty() || !resource.read) throw ErrorConfig("an MCP resource needs a uri and a read function");
    core_->registry.resources.push_back(std::move(resource));
    return *this;
}

McpServer& McpServer::resource_template(McpResourceTemplate resource_template) {
    if (resource_template.uri_template.empty() || !resource_template.read) {
        throw ErrorConfig("an MCP resource template needs a uri_template and a read function");
    }
    core_->registry.templates.push_back(std::move(resource_template));
    return *this;
}

McpServer& McpServer::prompt(McpPrompt prompt) {
    if (prompt.name.empty() || !prompt.get) throw ErrorConfig("an MCP prompt needs a name and a get function");
    if (core_->registry.find_prompt(prompt.name)) throw ErrorConfig("an MCP prompt named " + prompt.name + " is offered already");
    core_->registry.prompts.push_back(std::move(prompt));
    return *this;
}

McpServer& McpServer::completer(McpCompleter completer) {
    core_->registry.completer = std::move(completer);
    return *this;
}

std::size_t McpServer::sessions() const { return core_->session_count(); }

}  // namespace agentroute::mcp
