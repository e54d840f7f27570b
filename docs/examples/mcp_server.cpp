// docs/mcp.md, "Serving over MCP": an agent and a plain tool offered over MCP's Streamable HTTP
// transport by serve::Server, then called by our own MCP client; run on the loopback
// OpenRouter when no key is set.

#include "offline.hpp"

#include <agentroute/agentroute.hpp>
#include <agentroute/mcp/mcp_client.hpp>
#include <agentroute/mcp/mcp_server.hpp>
#include <agentroute/serve/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

using namespace agentroute;
namespace asio = boost::asio;
namespace json = boost::json;

int main() {
    auto fake = examples::offline_if_no_key();
    asio::io_context io;

    // tag::server[]
    Agent support({.name = "support", .model = "openai/gpt-4o-mini",
                   .instructions = "Answer questions about tickets in one sentence."});
    auto offered = std::make_shared<mcp::McpServer>(mcp::McpServerOptions{.name = "helpdesk"});
    offered->agent(support, {.description = "Answers questions about support tickets."});
    mcp::McpServerTool status;
    status.name = "ticket_status";
    status.description = "The status of a ticket.";
    status.input_schema = R"({"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]})";
    status.handler = [](mcp::McpCall& call) -> asio::awaitable<json::object> {
        co_return mcp::text_result("ticket " + json::serialize(call.arguments().at("id")) + " is open");
    };
    offered->tool(std::move(status));

    serve::ServeOptions options;
    options.port = 0;          // a free one; 8080 by default
    options.mcp = offered;     // POST, GET and DELETE on /mcp
    serve::Server server(io.get_executor(), options);
    server.listen();
    // end::server[]

    const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/mcp";
    auto client = mcp::McpClient::http(io.get_executor(), {.url = url});
    asio::co_spawn(io, server.run(), asio::detached);
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        // tag::call[]
        json::object question;  // not braced: GCC 12 rejects initializer lists in coroutines
        question["input"] = "Why is ticket 4821 blocked?";
        mcp::McpToolResult answer = co_await client->call_tool("support", std::move(question));
        std::cout << answer.text << "\n";
        std::cout << "cost: " << answer.meta.at("agentroute/usage").at("cost_usd") << " USD\n";
        // end::call[]
        json::object id;
        id["id"] = 4821;
        mcp::McpToolResult state = co_await client->call_tool("ticket_status", std::move(id));
        std::cout << state.text << "\n";
        co_await client->close();
        server.drain();
    }, asio::detached);
    io.run();
}
