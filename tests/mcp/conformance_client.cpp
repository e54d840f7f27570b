// The client the MCP conformance suite runs (`conformance client --command`): it connects to
// the URL the suite appends, lists the server's tools and calls each with arguments made from
// its schema, answering an elicitation with the schema's defaults. Exit status 0 when every
// step worked; what went wrong on stderr.

#include <agentroute/mcp/mcp_client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <cstdlib>
#include <iostream>

using namespace agentroute;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// A value of the type a property asks for: its default, else its first enum value, else a
// plain one.
json::value sample(const json::object& property) {
    if (const auto* d = property.if_contains("default")) return *d;
    if (const auto* e = property.if_contains("enum"); e && e->is_array() && !e->as_array().empty()) return e->as_array().front();
    const auto* type = property.if_contains("type");
    const std::string t = type && type->is_string() ? std::string(type->as_string()) : "string";
    if (t == "number" || t == "integer") return 1;
    if (t == "boolean") return true;
    if (t == "object") return json::object{};
    if (t == "array") return json::array{};
    return "conformance";
}

json::object arguments_for(const std::string& schema_text) {
    json::object args;
    const json::value schema = json::parse(schema_text);
    const auto* properties = schema.as_object().if_contains("properties");
    if (!properties || !properties->is_object()) return args;
    for (const auto& [name, property] : properties->as_object()) {
        if (property.is_object()) args[name] = sample(property.as_object());
    }
    return args;
}

mcp::ElicitationAnswer accept_defaults(const mcp::ElicitationRequest& request) {
    mcp::ElicitationAnswer answer{.action = "accept"};
    if (const auto* properties = request.requested_schema.if_contains("properties"); properties && properties->is_object()) {
        for (const auto& [name, property] : properties->as_object()) {
            if (property.is_object() && property.as_object().contains("default")) answer.content[name] = property.at("default");
        }
    }
    return answer;
}

asio::awaitable<void> exercise(std::shared_ptr<mcp::McpClient> client) {
    co_await client->connect();
    const std::vector<mcp::McpTool> tools = co_await client->list_tools();
    for (const mcp::McpTool& tool : tools) {
        json::object args = arguments_for(tool.input_schema);
        const mcp::McpToolResult result = co_await client->call_tool(tool.name, std::move(args));
        std::cerr << tool.name << ": " << result.text << "\n";
    }
    co_await client->close();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: mcp_conformance_client <server url>\n";
        return 2;
    }
    const char* scenario = std::getenv("MCP_CONFORMANCE_SCENARIO");
    std::cerr << "scenario " << (scenario ? scenario : "(none)") << " against " << argv[argc - 1] << "\n";
    asio::io_context io;
    mcp::McpClientOptions options;
    options.on_elicitation = accept_defaults;
    options.call_timeout = std::chrono::seconds(20);
    auto client = mcp::McpClient::http(io.get_executor(), mcp::HttpServer{.url = argv[argc - 1]}, options);
    auto done = asio::co_spawn(io, exercise(client), asio::use_future);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready && std::chrono::steady_clock::now() < deadline) {
        io.run_one_for(std::chrono::milliseconds(50));
    }
    try {
        done.get();
    } catch (const std::exception& e) {
        std::cerr << "failed: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
