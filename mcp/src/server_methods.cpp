// The methods a session answers: the lifecycle, tools, resources, prompts, completion and
// logging of the session-based revisions (2024-11-05 .. 2025-11-25).

#include "server_core.hpp"
#include "uri_template.hpp"

#include <agentroute/errors.hpp>

#include <boost/json/parse.hpp>

namespace agentroute::mcp::detail {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr int invalid_params = -32602;
constexpr int method_not_found = -32601;
constexpr int resource_not_found = -32002;  // the specification's own code
constexpr std::size_t max_completions = 100;

std::string string_param(const json::object& params, std::string_view name) {
    const json::value* v = params.if_contains(name);
    if (!v || !v->is_string()) throw RpcError{invalid_params, "params." + std::string(name) + " must be a string"};
    return std::string(v->get_string());
}

json::object object_param(const json::object& params, std::string_view name) {
    const json::value* v = params.if_contains(name);
    if (!v || v->is_null()) return {};
    if (!v->is_object()) throw RpcError{invalid_params, "params." + std::string(name) + " must be an object"};
    return v->get_object();
}

std::optional<McpLogLevel> level_of(std::string_view name) {
    static constexpr std::string_view names[] = {"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};
    for (std::size_t i = 0; i < std::size(names); ++i) {
        if (names[i] == name) return static_cast<McpLogLevel>(i);
    }
    return std::nullopt;
}

json::object tool_listing(const McpServerTool& tool) {
    json::object out;
    out["name"] = tool.name;
    out["description"] = tool.description;
    out["inputSchema"] = json::parse(tool.input_schema);  // checked when the tool was added
    if (!tool.output_schema.empty()) out["outputSchema"] = json::parse(tool.output_schema);
    return out;
}

template <class Item>
void describe(json::object& out, const Item& item) {
    out["name"] = item.name;
    if (!item.description.empty()) out["description"] = item.description;
    if (!item.mime_type.empty()) out["mimeType"] = item.mime_type;
}

json::object resource_listing(const McpResource& r) {
    json::object out;
    out["uri"] = r.uri;
    describe(out, r);
    return out;
}

json::object template_listing(const McpResourceTemplate& r) {
    json::object out;
    out["uriTemplate"] = r.uri_template;
    describe(out, r);
    return out;
}

json::object prompt_listing(const McpPrompt& p) {
    json::object out;
    out["name"] = p.name;
    if (!p.description.empty()) out["description"] = p.description;
    json::array arguments;
    for (const McpPromptArgument& a : p.arguments) {
        json::object arg;
        arg["name"] = a.name;
        if (!a.description.empty()) arg["description"] = a.description;
        arg["required"] = a.required;
        arguments.push_back(std::move(arg));
    }
    out["arguments"] = std::move(arguments);
    return out;
}

// A `*/list` answer: every item, in one page (a catalogue is registered in code, not grown by
// clients).
template <class Item>
json::object listing(std::string_view key, const std::vector<Item>& items, json::object (*item_listing)(const Item&)) {
    json::array list;
    for (const Item& item : items) list.push_back(item_listing(item));
    json::object out;
    out[key] = std::move(list);
    return out;
}

json::object capabilities(const Registry& registry) {
    json::object caps;
    json::object tools;
    tools["listChanged"] = false;
    caps["tools"] = std::move(tools);
    if (!registry.resources.empty() || !registry.templates.empty()) {
        json::object resources;
        resources["subscribe"] = true;
        resources["listChanged"] = false;
        caps["resources"] = std::move(resources);
    }
    if (!registry.prompts.empty()) {
        json::object prompts;
        prompts["listChanged"] = false;
        caps["prompts"] = std::move(prompts);
    }
    if (registry.completer) caps["completions"] = json::object();
    caps["logging"] = json::object();
    return caps;
}

json::object completion_result(std::vector<std::string> values) {
    const std::size_t total = values.size();
    if (values.size() > max_completions) values.resize(max_completions);
    json::array list;
    for (std::string& v : values) list.emplace_back(std::move(v));
    json::object completion;
    completion["values"] = std::move(list);
    completion["total"] = total;
    completion["hasMore"] = total > max_completions;
    json::object out;
    out["completion"] = std::move(completion);
    return out;
}

json::object contents_result(json::array contents) {
    json::object out;
    out["contents"] = std::move(contents);
    return out;
}

json::object prompt_result(const McpPrompt& prompt, json::array messages) {
    json::object out;
    if (!prompt.description.empty()) out["description"] = prompt.description;
    out["messages"] = std::move(messages);
    return out;
}

}  // namespace

const McpServerTool* Registry::find_tool(std::string_view name) const {
    for (const McpServerTool& t : tools) {
        if (t.name == name) return &t;
    }
    return nullptr;
}

const McpPrompt* Registry::find_prompt(std::string_view name) const {
    for (const McpPrompt& p : prompts) {
        if (p.name == name) return &p;
    }
    return nullptr;
}

json::value ServerSession::initialize(const ServerCall& call) {
    const json::value* asked = call.params.if_contains("protocolVersion");
    std::string version(served_versions[0]);
    // The client's revision when this server speaks it, else this server's newest (the client
    // then decides whether it can go on).
    if (asked && asked->is_string() && is_served_version(asked->get_string())) version = asked->get_string();
    {
        const std::lock_guard lock(mutex_);
        version_ = version;
        client_capabilities_ = std::make_shared<const json::object>(object_param(call.params, "capabilities"));
    }
    json::object info;
    info["name"] = core_->options.name;
    info["version"] = core_->options.version;
    json::object out;
    out["protocolVersion"] = version;
    out["capabilities"] = capabilities(core_->registry);
    out["serverInfo"] = std::move(info);
    if (!core_->options.instructions.empty()) out["instructions"] = core_->options.instructions;
    return out;
}

json::value ServerSession::set_log_level(const ServerCall& call) {
    const std::optional<McpLogLevel> level = level_of(string_param(call.params, "level"));
    if (!level) throw RpcError{invalid_params, "params.level is not one of debug, info, notice, warning, error, critical, alert, emergency"};
    const std::lock_guard lock(mutex_);
    log_level_ = *level;
    return json::object();
}

json::value ServerSession::subscribe(const ServerCall& call, bool on) {
    std::string uri = string_param(call.params, "uri");
    const std::lock_guard lock(mutex_);
    if (on) {
        subscriptions_.insert(std::move(uri));
    } else {
        subscriptions_.erase(uri);
    }
    return json::object();
}

asio::awaitable<json::value> ServerSession::dispatch(const std::string& method, std::shared_ptr<ServerCall> call) {
    const Registry& registry = core_->registry;
    if (method == "initialize") co_return initialize(*call);
    if (method == "ping") co_return json::object();
    if (method == "tools/list") co_return listing("tools", registry.tools, tool_listing);
    if (method == "tools/call") {
        json::value result = co_await call_tool(std::move(call));
        co_return result;
    }
    if (method == "resources/list") co_return listing("resources", registry.resources, resource_listing);
    if (method == "resources/templates/list") co_return listing("resourceTemplates", registry.templates, template_listing);
    if (method == "resources/read") {
        json::value result = co_await read_resource(std::move(call));
        co_return result;
    }
    if (method == "resources/subscribe") co_return subscribe(*call, true);
    if (method == "resources/unsubscribe") co_return subscribe(*call, false);
    if (method == "prompts/list") co_return listing("prompts", registry.prompts, prompt_listing);
    if (method == "prompts/get") {
        json::value result = co_await get_prompt(std::move(call));
        co_return result;
    }
    if (method == "completion/complete" && registry.completer) {
        json::value result = co_await complete(std::move(call));
        co_return result;
    }
    if (method == "logging/setLevel") co_return set_log_level(*call);
    throw RpcError{method_not_found, "Method not found: " + method};
}

asio::awaitable<json::value> ServerSession::call_tool(std::shared_ptr<ServerCall> call) {
    const std::string name = string_param(call->params, "name");
    const McpServerTool* tool = core_->registry.find_tool(name);
    if (!tool) throw RpcError{invalid_params, "Unknown tool: " + name};
    call->arguments = object_param(call->params, "arguments");
    McpCall context(call);
    std::string failure;
    try {
        json::object result = co_await tool->handler(context);
        co_return result;
    } catch (const ErrorMcp& e) {
        if (e.code() != 0) throw RpcError{e.code(), e.what()};
        failure = e.what();
    } catch (const ErrorCancelled&) {
        throw;
    } catch (const std::exception& e) {
        // A tool's own failure is a result the client's model can read, not a protocol error.
        failure = e.what();
    }
    co_return text_result(failure, true);
}

asio::awaitable<json::value> ServerSession::read_resource(std::shared_ptr<ServerCall> call) {
    const std::string uri = string_param(call->params, "uri");
    McpCall context(call);
    for (const McpResource& r : core_->registry.resources) {
        if (r.uri != uri) continue;
        json::array contents = co_await r.read(context, uri);
        co_return contents_result(std::move(contents));
    }
    for (const McpResourceTemplate& t : core_->registry.templates) {
        std::optional<json::object> variables = match_uri_template(t.uri_template, uri);
        if (!variables) continue;
        json::array contents = co_await t.read(context, uri, *variables);
        co_return contents_result(std::move(contents));
    }
    throw RpcError{resource_not_found, "Resource not found: " + uri};
}

asio::awaitable<json::value> ServerSession::get_prompt(std::shared_ptr<ServerCall> call) {
    const std::string name = string_param(call->params, "name");
    const McpPrompt* prompt = core_->registry.find_prompt(name);
    if (!prompt) throw RpcError{invalid_params, "Unknown prompt: " + name};
    call->arguments = object_param(call->params, "arguments");
    for (const McpPromptArgument& a : prompt->arguments) {
        if (a.required && !call->arguments.contains(a.name)) {
            throw RpcError{invalid_params, "prompt " + name + " needs the argument " + a.name};
        }
    }
    McpCall context(call);
    json::array messages = co_await prompt->get(context);
    co_return prompt_result(*prompt, std::move(messages));
}

asio::awaitable<json::value> ServerSession::complete(std::shared_ptr<ServerCall> call) {
    const json::object ref = object_param(call->params, "ref");
    const json::object argument = object_param(call->params, "argument");
    const std::string name = string_param(argument, "name");
    const std::string value = string_param(argument, "value");
    std::vector<std::string> values = co_await core_->registry.completer(ref, name, value);
    co_return completion_result(std::move(values));
}

}  // namespace agentroute::mcp::detail
