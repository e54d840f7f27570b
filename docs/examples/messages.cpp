// docs/messages.md

#include "offline.hpp"

#include <agentroute/agentroute.hpp>
#include <agentroute/content.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>

using namespace agentroute;

struct Refund {
    std::string order_id;
};
BOOST_DESCRIBE_STRUCT(Refund, (), (order_id))

boost::asio::awaitable<void> ask_about_a_receipt(const std::filesystem::path& receipt) {
    // tag::attachments[]
    Agent agent({.name = "receipts", .model = "openai/gpt-4o-mini"});
    RunOptions options;
    options.attachments = {content::image_file(receipt, "high"),
                           content::file_url("https://example.com/terms.pdf", "terms.pdf")};
    auto result = co_await agent.run("What is the total, and may it be refunded?", std::move(options));
    // end::attachments[]
    std::cout << result.output << "\n";

    // tag::parts[]
    std::vector<Message> history{
        Message::developer("Answer in one sentence."),
        Message::user({content::text("Which of these two is cheaper?"),
                       content::image_url("https://example.com/a.png"),
                       content::image_url("https://example.com/b.png", "low")}),
        Message::assistant("The second one."),
    };
    RunOptions follow_up;
    follow_up.message_history = std::move(history);
    co_await agent.run("By how much?", std::move(follow_up));
    // end::parts[]
}

boost::asio::awaitable<void> cached_manual(const std::string& manual) {
    // tag::caching[]
    AgentOptions o;
    o.name = "support";
    o.model = "anthropic/claude-sonnet-4.5";
    o.instructions = manual;                              // thousands of tokens, the same every call
    o.cache_instructions = CacheControl{"ephemeral", "1h"};  // read from Anthropic's cache after the first
    Agent agent(o);
    agent.tool("refund", "Refund an order", [](const Refund& r) { return "refunded " + r.order_id; },
               ToolOptions{.cache_control = CacheControl{}});  // the tool list is cached too
    auto result = co_await agent.run("Refund order 1182");
    std::cout << "cache read " << result.usage.cached_input_tokens << ", written "
              << result.usage.cache_write_tokens << " tokens\n";
    // end::caching[]
}

boost::asio::awaitable<void> with_settings() {
    // tag::settings[]
    AgentOptions o;
    o.name = "analyst";
    o.model = "openai/gpt-5-mini";
    o.settings.temperature = 0.2;
    o.settings.seed = 1014;
    o.settings.reasoning = ReasoningSettings{.effort = "low"};
    o.settings.plugins = std::vector<Plugin>{{"response-healing", ""}};
    o.settings.server_tools = std::vector<ServerTool>{{"openrouter:web_search", R"({"max_uses":2})"}};
    Agent agent(o);
    agent.tool("refund", "Refund an order", [](const Refund& r) { return "refunded " + r.order_id; },
               ToolOptions{.strict = true});

    RunOptions run;                                    // this request only, over the agent's
    run.settings.tool_choice = ToolChoice::tool("refund");
    run.settings.user = "tenant-42";
    run.settings.extra_body = R"({"verbosity":"low"})";  // a parameter without a field
    co_await agent.run("Refund order 1182", std::move(run));
    // end::settings[]
}

int main() {
    auto fake = examples::offline_if_no_key();
    const auto receipt = std::filesystem::temp_directory_path() / "agentroute-docs-receipt.png";
    std::ofstream(receipt, std::ios::binary) << "\x89PNG\r\n\x1a\n";
    boost::asio::io_context io;
    auto done = boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            co_await ask_about_a_receipt(receipt);
            co_await cached_manual("You are Acme's support agent. The refund policy: ...");
            co_await with_settings();
        },
        boost::asio::use_future);
    io.run();
    done.get();
    std::filesystem::remove(receipt);
}
