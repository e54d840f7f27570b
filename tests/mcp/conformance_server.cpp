// The server the MCP conformance suite's server scenarios test: every tool, resource and prompt
// they name, on McpServer. `conformance_server` serves Streamable HTTP on 127.0.0.1 (a free
// port, printed as "listening <port>") until SIGTERM; `conformance_server --stdio` serves one
// client on stdin/stdout.

#include <agentroute/mcp/mcp_server.hpp>
#include <agentroute/serve/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <iostream>

namespace asio = boost::asio;
namespace json = boost::json;
using namespace agentroute;
using mcp::McpCall;

namespace {

// A 1x1 PNG and a silent WAV, as the scenarios want some base64 of each.
constexpr const char* png =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
constexpr const char* wav = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=";

json::object parsed(std::string_view text) { return json::parse(text).as_object(); }

json::object with_content(json::array content) {
    json::object out;
    out["content"] = std::move(content);
    return out;
}

json::object text_block(std::string_view text) { return parsed(json::serialize(json::object{{"type", "text"}, {"text", text}})); }

asio::awaitable<void> sleep_ms(int ms) {
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
    co_await t.async_wait(asio::use_awaitable);
}

mcp::McpServerTool plain(std::string name, std::string description, json::object result) {
    mcp::McpServerTool t;
    t.name = std::move(name);
    t.description = std::move(description);
    t.handler = [result = std::move(result)](McpCall&) -> asio::awaitable<json::object> { co_return result; };
    return t;
}

asio::awaitable<json::object> with_logging(McpCall& call) {
    call.log(mcp::McpLogLevel::info, json::string("Tool execution started"));
    co_await sleep_ms(50);
    call.log(mcp::McpLogLevel::info, json::string("Tool processing data"));
    co_await sleep_ms(50);
    call.log(mcp::McpLogLevel::info, json::string("Tool execution completed"));
    co_return mcp::text_result("Tool with logging executed successfully");
}

asio::awaitable<json::object> with_progress(McpCall& call) {
    call.progress(0, 100);
    co_await sleep_ms(50);
    call.progress(50, 100);
    co_await sleep_ms(50);
    call.progress(100, 100);
    co_return mcp::text_result("Tool with progress executed successfully");
}

json::object sampling_params(const json::object& arguments) {
    json::object params = parsed(R"({"messages":[{"role":"user","content":{"type":"text","text":""}}],"maxTokens":100})");
    const json::value* prompt = arguments.if_contains("prompt");
    params["messages"].as_array()[0].as_object()["content"].as_object()["text"] =
        prompt && prompt->is_string() ? prompt->get_string() : json::string();
    return params;
}

asio::awaitable<json::object> sampling(McpCall& call) {
    json::object params = sampling_params(call.arguments());
    json::object answer = co_await call.ask_client("sampling/createMessage", std::move(params));
    std::string text;
    if (const json::value* content = answer.if_contains("content"); content && content->is_object()) {
        if (const json::value* t = content->as_object().if_contains("text"); t && t->is_string()) text = t->get_string();
    }
    co_return mcp::text_result("LLM response: " + text);
}

json::object elicitation_params(std::string message, std::string_view schema) {
    json::object params;
    params["message"] = std::move(message);
    params["requestedSchema"] = parsed(schema);
    return params;
}

std::string argument(const McpCall& call, std::string_view name) {
    const json::value* v = call.arguments().if_contains(name);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string describe_answer(const json::object& answer) {
    const json::value* action = answer.if_contains("action");
    const json::value* content = answer.if_contains("content");
    return "action=" + (action ? json::serialize(*action) : std::string("none")) +
           ", content=" + (content ? json::serialize(*content) : std::string("{}"));
}

constexpr std::string_view user_schema =
    R"({"type":"object","properties":{"username":{"type":"string","description":"User's response"},)"
    R"("email":{"type":"string","description":"User's email address"}},"required":["username","email"]})";

constexpr std::string_view defaults_schema =
    R"({"type":"object","properties":{"name":{"type":"string","default":"John Doe"},)"
    R"("age":{"type":"integer","default":30},"score":{"type":"number","default":95.5},)"
    R"("status":{"type":"string","enum":["active","inactive","pending"],"default":"active"},)"
    R"("verified":{"type":"boolean","default":true}}})";

constexpr std::string_view enums_schema =
    R"({"type":"object","properties":{)"
    R"("untitledSingle":{"type":"string","enum":["option1","option2","option3"]},)"
    R"("titledSingle":{"type":"string","oneOf":[{"const":"value1","title":"First Option"},)"
    R"({"const":"value2","title":"Second Option"},{"const":"value3","title":"Third Option"}]},)"
    R"("legacyEnum":{"type":"string","enum":["opt1","opt2","opt3"],"enumNames":["Option One","Option Two","Option Three"]},)"
    R"("untitledMulti":{"type":"array","items":{"type":"string","enum":["option1","option2","option3"]}},)"
    R"("titledMulti":{"type":"array","items":{"anyOf":[{"const":"value1","title":"First Choice"},)"
    R"({"const":"value2","title":"Second Choice"},{"const":"value3","title":"Third Choice"}]}}}})";

asio::awaitable<json::object> elicit(McpCall& call, std::string message, std::string_view schema, std::string prefix) {
    json::object params = elicitation_params(std::move(message), schema);
    json::object answer = co_await call.ask_client("elicitation/create", std::move(params));
    co_return mcp::text_result(prefix + describe_answer(answer));
}

asio::awaitable<json::object> reconnection(McpCall& call) {
    call.end_stream(std::chrono::milliseconds(200));  // the client comes back with GET + Last-Event-ID
    co_await sleep_ms(100);
    co_return mcp::text_result("Reconnection test completed: the answer came on the resumed stream");
}

json::array one_content(json::object item) {
    json::array out;
    out.push_back(std::move(item));
    return out;
}

json::object user_message(json::object content) {
    json::object m;
    m["role"] = "user";
    m["content"] = std::move(content);
    return m;
}

void add_everything(mcp::McpServer& server) {
    server.tool(plain("test_simple_text", "Returns simple text", with_content(one_content(text_block("This is a simple text response for testing.")))));
    server.tool(plain("test_image_content", "Returns an image",
                      with_content(one_content(parsed(std::string(R"({"type":"image","mimeType":"image/png","data":")") + png + "\"}")))));
    server.tool(plain("test_audio_content", "Returns audio",
                      with_content(one_content(parsed(std::string(R"({"type":"audio","mimeType":"audio/wav","data":")") + wav + "\"}")))));
    server.tool(plain("test_embedded_resource", "Returns an embedded resource",
                      with_content(one_content(parsed(R"({"type":"resource","resource":{"uri":"test://embedded-resource",)"
                                                      R"("mimeType":"text/plain","text":"This is an embedded resource content."}})")))));
    json::array mixed;
    mixed.push_back(text_block("Multiple content types test:"));
    mixed.push_back(parsed(std::string(R"({"type":"image","mimeType":"image/png","data":")") + png + "\"}"));
    mixed.push_back(parsed(R"({"type":"resource","resource":{"uri":"test://mixed-content-resource","mimeType":"application/json",)"
                           R"("text":"{\"test\":\"data\",\"value\":123}"}})"));
    server.tool(plain("test_multiple_content_types", "Returns text, an image and a resource", with_content(std::move(mixed))));

    mcp::McpServerTool t;
    t.name = "test_tool_with_logging";
    t.description = "Logs three messages while it runs";
    t.handler = with_logging;
    server.tool(t);
    t.name = "test_tool_with_progress";
    t.description = "Reports progress while it runs";
    t.handler = with_progress;
    server.tool(t);
    t.name = "test_error_handling";
    t.description = "Always fails";
    t.handler = [](McpCall&) -> asio::awaitable<json::object> {
        throw std::runtime_error("This tool intentionally returns an error for testing");
        co_return json::object();
    };
    server.tool(t);
    t.name = "test_sampling";
    t.description = "Asks the client's model";
    t.input_schema = R"({"type":"object","properties":{"prompt":{"type":"string"}},"required":["prompt"]})";
    t.handler = sampling;
    server.tool(t);
    t.name = "test_elicitation";
    t.description = "Asks the client's user";
    t.input_schema = R"({"type":"object","properties":{"message":{"type":"string"}},"required":["message"]})";
    t.handler = [](McpCall& call) { return elicit(call, argument(call, "message"), user_schema, "User response: "); };
    server.tool(t);
    t.input_schema = R"({"type":"object"})";
    t.name = "test_elicitation_sep1034_defaults";
    t.description = "Asks with defaults for every primitive type";
    t.handler = [](McpCall& call) {
        return elicit(call, "Please review and update the form fields with defaults", defaults_schema, "Elicitation completed: ");
    };
    server.tool(t);
    t.name = "test_elicitation_sep1330_enums";
    t.description = "Asks with every enum variant";
    t.handler = [](McpCall& call) { return elicit(call, "Please select options", enums_schema, "Elicitation completed: "); };
    server.tool(t);
    t.name = "test_reconnection";
    t.description = "Ends its SSE stream mid-call; the answer comes on the resumed stream";
    t.handler = reconnection;
    server.tool(t);
    t.name = "echo";  // not a scenario's: bench/mcp_bench.cpp calls it
    t.description = "Echoes the message";
    t.input_schema = R"({"type":"object","properties":{"message":{"type":"string"}},"required":["message"]})";
    t.handler = [](McpCall& call) -> asio::awaitable<json::object> { co_return mcp::text_result("Echo: " + argument(call, "message")); };
    server.tool(t);
    t.name = "json_schema_2020_12_tool";
    t.description = "Tool with JSON Schema 2020-12 features";
    t.input_schema = R"({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",)"
                     R"("$defs":{"address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}}}},)"
                     R"("properties":{"name":{"type":"string"},"address":{"$ref":"#/$defs/address"}},"additionalProperties":false})";
    t.handler = [](McpCall&) -> asio::awaitable<json::object> { co_return mcp::text_result("ok"); };
    server.tool(t);

    auto text_resource = [](std::string uri, std::string name, std::string text) {
        mcp::McpResource r;
        r.uri = uri;
        r.name = std::move(name);
        r.description = "A text resource";
        r.mime_type = "text/plain";
        r.read = [text = std::move(text)](McpCall&, const std::string& uri) -> asio::awaitable<json::array> {
            json::object c;
            c["uri"] = uri;
            c["mimeType"] = "text/plain";
            c["text"] = text;
            co_return one_content(std::move(c));
        };
        return r;
    };
    server.resource(text_resource("test://static-text", "Static text", "This is the content of the static text resource."));
    server.resource(text_resource("test://watched-resource", "Watched", "A resource to subscribe to."));
    mcp::McpResource binary;
    binary.uri = "test://static-binary";
    binary.name = "Static binary";
    binary.description = "A PNG";
    binary.mime_type = "image/png";
    binary.read = [](McpCall&, const std::string& uri) -> asio::awaitable<json::array> {
        json::object c;
        c["uri"] = uri;
        c["mimeType"] = "image/png";
        c["blob"] = png;
        co_return one_content(std::move(c));
    };
    server.resource(binary);
    mcp::McpResourceTemplate data;
    data.uri_template = "test://template/{id}/data";
    data.name = "Data by id";
    data.description = "JSON for an id";
    data.mime_type = "application/json";
    data.read = [](McpCall&, const std::string& uri, const json::object& vars) -> asio::awaitable<json::array> {
        const std::string id(vars.at("id").as_string());
        json::object body;
        body["id"] = id;
        body["templateTest"] = true;
        body["data"] = "Data for ID: " + id;
        json::object c;
        c["uri"] = uri;
        c["mimeType"] = "application/json";
        c["text"] = json::serialize(body);
        co_return one_content(std::move(c));
    };
    server.resource_template(data);

    mcp::McpPrompt p;
    p.name = "test_simple_prompt";
    p.description = "A prompt without arguments";
    p.get = [](McpCall&) -> asio::awaitable<json::array> {
        co_return one_content(user_message(text_block("This is a simple prompt for testing.")));
    };
    server.prompt(p);
    p.name = "test_prompt_with_arguments";
    p.description = "A prompt with two arguments";
    p.arguments = {{"arg1", "First test argument", true}, {"arg2", "Second test argument", true}};
    p.get = [](McpCall& call) -> asio::awaitable<json::array> {
        const std::string text = "Prompt with arguments: arg1='" + argument(call, "arg1") + "', arg2='" + argument(call, "arg2") + "'";
        co_return one_content(user_message(text_block(text)));
    };
    server.prompt(p);
    p.name = "test_prompt_with_embedded_resource";
    p.description = "A prompt embedding a resource";
    p.arguments = {{"resourceUri", "URI of the resource to embed", true}};
    p.get = [](McpCall& call) -> asio::awaitable<json::array> {
        json::object resource;
        resource["uri"] = argument(call, "resourceUri");
        resource["mimeType"] = "text/plain";
        resource["text"] = "Embedded resource content for testing.";
        json::object content;
        content["type"] = "resource";
        content["resource"] = std::move(resource);
        json::array out = one_content(user_message(std::move(content)));
        out.push_back(user_message(text_block("Please process the embedded resource above.")));
        co_return out;
    };
    server.prompt(p);
    p.name = "test_prompt_with_image";
    p.description = "A prompt with an image";
    p.arguments.clear();
    p.get = [](McpCall&) -> asio::awaitable<json::array> {
        json::array out = one_content(user_message(parsed(std::string(R"({"type":"image","mimeType":"image/png","data":")") + png + "\"}")));
        out.push_back(user_message(text_block("Please analyze the image above.")));
        co_return out;
    };
    server.prompt(p);
    server.completer([](const json::object&, const std::string&, const std::string& value) -> asio::awaitable<std::vector<std::string>> {
        static constexpr const char* words[] = {"paris", "park", "party"};
        std::vector<std::string> out;
        for (const char* word : words) {
            if (std::string_view(word).starts_with(value)) out.emplace_back(word);
        }
        co_return out;
    });
}

asio::awaitable<void> serve_http(std::shared_ptr<mcp::McpServer> mcp_server) {
    serve::ServeOptions options;
    options.port = 0;
    options.mcp = std::move(mcp_server);
    serve::Server server(co_await asio::this_coro::executor, options);
    server.listen();
    std::cout << "listening " << server.port() << std::endl;
    asio::signal_set signals(co_await asio::this_coro::executor, SIGINT, SIGTERM);
    signals.async_wait([&server](const boost::system::error_code& ec, int) {
        if (!ec) server.drain();
    });
    co_await server.run();
}

}  // namespace

int main(int argc, char** argv) {
    asio::io_context io;
    auto server = std::make_shared<mcp::McpServer>(mcp::McpServerOptions{.name = "agentroute-conformance"});
    add_everything(*server);
    if (argc > 1 && std::string_view(argv[1]) == "--stdio") {
        asio::co_spawn(io, server->serve_stdio(), asio::detached);
    } else {
        asio::co_spawn(io, serve_http(server), asio::detached);
    }
    io.run();
}
