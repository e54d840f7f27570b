// docs/mcp.md: an agent whose tools come from an MCP server, here
// @modelcontextprotocol/server-everything over stdio (AGENTROUTE_MCP_EVERYTHING names its
// index.js; the test suite installs it), run on the loopback OpenRouter when no key is set.

#include "offline.hpp"

#include <agentroute/agentroute.hpp>
#include <agentroute/mcp/mcp_client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <iostream>

using namespace agentroute;
namespace asio = boost::asio;

int main() {
    auto fake = examples::offline_if_no_key();
    const char* everything = std::getenv("AGENTROUTE_MCP_EVERYTHING");
    if (!everything) {
        std::cerr << "set AGENTROUTE_MCP_EVERYTHING to server-everything's dist/index.js\n";
        return 2;
    }
    asio::io_context io;

    // tag::client[]
    auto tools = mcp::McpClient::stdio(io.get_executor(),
                                       {.command = "node", .args = {everything, "stdio"}},
                                       {.tool_prefix = "everything", .allow = {"echo", "get-sum"}});
    // Or a remote one: mcp::McpClient::http(io.get_executor(), {.url = "https://tools.example.com/mcp",
    //                  .headers = {{"Authorization", "Bearer ..."}}});
    Agent assistant({.name = "assistant", .model = "openai/gpt-4o-mini"});
    assistant.tools(tools);  // the server's tools, with the server's schemas
    // end::client[]

    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        // tag::run[]
        co_await tools->connect();  // optional: the first call connects
        Result<std::string> result = co_await assistant.run("Echo 'hello' through the tool.");
        // end::run[]
        std::cout << result.output << "\n";
        // tag::direct[]
        boost::json::object arguments;  // not braced: GCC 12 rejects initializer lists in coroutines
        arguments["a"] = 2;
        arguments["b"] = 3;
        mcp::McpToolResult sum = co_await tools->call_tool("get-sum", std::move(arguments));
        std::cout << sum.text << "\n";  // "The sum of 2 and 3 is 5."
        co_await tools->close();
        // end::direct[]
    }, asio::detached);
    io.run();
}
