#include "protocol.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>

namespace agentroute::mcp::detail {
namespace json = boost::json;

namespace {

std::string string_field(const json::object& object, std::string_view key) {
    const json::value* v = object.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

const json::object& result_object(const json::value& result, std::string_view what) {
    if (!result.is_object()) throw ErrorMcp(std::string("the MCP server's ") + std::string(what) + " result is not an object");
    return result.as_object();
}

json::object client_info(const McpClientOptions& options) {
    return json::object{{"name", options.client_name}, {"version", options.client_version}};
}

// One content part as the model reads it: text as it is, anything else named in a line.
void append_part(std::string& text, const json::object& part) {
    const std::string type = string_field(part, "type");
    std::string line;
    if (type == "text") {
        line = string_field(part, "text");
    } else if (type == "image" || type == "audio") {
        line = "[" + type + " " + string_field(part, "mimeType") + ", " + std::to_string(string_field(part, "data").size()) +
               " bytes of base64]";
    } else if (type == "resource_link") {
        line = "[resource " + string_field(part, "uri") + (part.contains("name") ? " (" + string_field(part, "name") + ")" : "") + "]";
    } else if (type == "resource") {
        const json::value* resource = part.if_contains("resource");
        if (resource && resource->is_object()) {
            const auto& r = resource->as_object();
            line = r.contains("text") ? string_field(r, "text") : "[resource " + string_field(r, "uri") + ", binary]";
        }
    } else {
        line = "[" + (type.empty() ? std::string("unknown") : type) + " content]";
    }
    if (!text.empty()) text.push_back('\n');
    text += line;
}

}  // namespace

json::object client_capabilities(const McpClientOptions& options) {
    json::object capabilities;
    if (options.on_elicitation) capabilities["elicitation"] = json::object{};
    return capabilities;
}

json::object modern_request_meta(const McpClientOptions& options) {
    return json::object{{"io.modelcontextprotocol/protocolVersion", modern_version},
                        {"io.modelcontextprotocol/clientCapabilities", client_capabilities(options)},
                        {"io.modelcontextprotocol/clientInfo", client_info(options)}};
}

json::object initialize_params(const McpClientOptions& options) {
    return json::object{{"protocolVersion", legacy_versions[0]},
                        {"capabilities", client_capabilities(options)},
                        {"clientInfo", client_info(options)}};
}

Discovered read_discover_result(const json::value& result) {
    const json::object& r = result_object(result, "server/discover");
    Discovered out;
    if (const auto* versions = r.if_contains("supportedVersions"); versions && versions->is_array()) {
        for (const json::value& v : versions->as_array()) out.speaks_modern = out.speaks_modern || (v.is_string() && v.as_string() == modern_version);
    }
    if (const auto* meta = r.if_contains("_meta"); meta && meta->is_object()) {
        if (const auto* info = meta->as_object().if_contains("io.modelcontextprotocol/serverInfo"); info && info->is_object()) {
            out.server_name = string_field(info->as_object(), "name");
        }
    }
    if (const auto* info = r.if_contains("serverInfo"); out.server_name.empty() && info && info->is_object()) {
        out.server_name = string_field(info->as_object(), "name");
    }
    return out;
}

Initialized read_initialize_result(const json::value& result) {
    const json::object& r = result_object(result, "initialize");
    Initialized out;
    out.protocol_version = string_field(r, "protocolVersion");
    if (const auto* info = r.if_contains("serverInfo"); info && info->is_object()) out.server_name = string_field(info->as_object(), "name");
    const auto known = std::find(std::begin(legacy_versions), std::end(legacy_versions), out.protocol_version);
    if (known == std::end(legacy_versions)) {
        throw ErrorMcp("the MCP server speaks protocol revision '" + out.protocol_version +
                       "', which this client does not (it speaks 2024-11-05 to 2025-11-25 and 2026-07-28)");
    }
    return out;
}

std::string read_tools_page(const json::value& result, std::vector<McpTool>& out) {
    const json::object& r = result_object(result, "tools/list");
    const json::value* tools = r.if_contains("tools");
    if (!tools || !tools->is_array()) throw ErrorMcp("the MCP server's tools/list result has no tools array");
    for (const json::value& t : tools->as_array()) {
        if (!t.is_object()) continue;
        const json::object& tool = t.as_object();
        const json::value* schema = tool.if_contains("inputSchema");
        McpTool listed;
        listed.name = string_field(tool, "name");
        if (listed.name.empty() || !schema || !schema->is_object()) continue;
        listed.title = string_field(tool, "title");
        listed.description = string_field(tool, "description");
        listed.input_schema = json::serialize(*schema);
        if (const auto* output = tool.if_contains("outputSchema"); output && output->is_object()) {
            listed.output_schema = json::serialize(*output);
        }
        out.push_back(std::move(listed));
    }
    return string_field(r, "nextCursor");
}

McpToolResult read_tool_result(const json::value& result) {
    const json::object& r = result_object(result, "tools/call");
    if (string_field(r, "resultType") == "input_required") {
        throw ErrorMcp("the MCP tool asked for more input (a multi round-trip request), which this client does not provide");
    }
    McpToolResult out;
    if (const auto* content = r.if_contains("content"); content && content->is_array()) {
        out.content = content->as_array();
        for (const json::value& part : out.content) {
            if (part.is_object()) append_part(out.text, part.as_object());
        }
    }
    if (const auto* structured = r.if_contains("structuredContent"); structured && !structured->is_null()) out.structured = *structured;
    if (const auto* is_error = r.if_contains("isError"); is_error && is_error->is_bool()) out.is_error = is_error->as_bool();
    if (const auto* meta = r.if_contains("_meta"); meta && meta->is_object()) out.meta = meta->get_object();
    return out;
}

}  // namespace agentroute::mcp::detail
