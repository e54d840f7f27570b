#pragma once

// What a recorded answer says, read with a deliberately simple reading of its body,
// independent of the client's parser: text, tool calls, usage, cost, error status.

#include <agentroute/errors.hpp>
#include <agentroute/messages.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace agentroute::test {

struct Expected {
    std::string text;
    std::vector<ToolCall> calls;  // id, name, arguments
    std::int64_t input_tokens = -1, output_tokens = -1;
    std::optional<double> cost;
    std::int64_t cached_tokens = 0, cache_write_tokens = 0, reasoning_tokens = 0;
    std::optional<double> upstream_cost;
    int error_status = 0;  // 0: a successful answer
};

inline std::int64_t count_in(const boost::json::object& usage, std::string_view details, std::string_view key) {
    const boost::json::value* d = usage.if_contains(details);
    const boost::json::value* v = d && d->is_object() ? d->get_object().if_contains(key) : nullptr;
    return v && v->is_number() ? v->to_number<std::int64_t>() : 0;
}

inline std::string str(const boost::json::value* v) { return v && v->is_string() ? std::string(v->get_string()) : std::string(); }

inline void read_usage(const boost::json::object& root, Expected& x) {
    const boost::json::value* u = root.if_contains("usage");
    if (!u || !u->is_object()) return;
    x.input_tokens = u->at("prompt_tokens").to_number<std::int64_t>();
    x.output_tokens = u->at("completion_tokens").to_number<std::int64_t>();
    if (const auto* c = u->get_object().if_contains("cost"); c && c->is_number()) x.cost = c->to_number<double>();
    x.cached_tokens = count_in(u->get_object(), "prompt_tokens_details", "cached_tokens");
    x.cache_write_tokens = count_in(u->get_object(), "prompt_tokens_details", "cache_write_tokens");
    x.reasoning_tokens = count_in(u->get_object(), "completion_tokens_details", "reasoning_tokens");
    if (const auto* d = u->get_object().if_contains("cost_details"); d && d->is_object()) {
        if (const auto* c = d->get_object().if_contains("upstream_inference_cost"); c && c->is_number()) {
            x.upstream_cost = c->to_number<double>();
        }
    }
}

inline int error_status(const boost::json::object& error, int http) {
    if (http != 200) return http;
    const boost::json::value* code = error.if_contains("code");
    return code && code->is_number() ? code->to_number<int>() : 500;
}

inline Expected expected_from(const boost::json::object& response) {
    Expected x;
    const int status = response.at("status").to_number<int>();
    const std::string body(response.at("body_text").get_string());
    const bool sse = body.find("data:") != std::string::npos;
    if (!sse) {
        boost::json::value v = boost::json::parse(body);
        const boost::json::object& root = v.get_object();
        if (const auto* error = root.if_contains("error")) {
            x.error_status = error_status(error->get_object(), status);
            return x;
        }
        read_usage(root, x);
        const boost::json::object& message = root.at("choices").at(0).at("message").get_object();
        x.text = str(message.if_contains("content"));
        if (const auto* calls = message.if_contains("tool_calls"); calls && calls->is_array()) {
            for (const auto& c : calls->get_array()) {
                std::string args = str(c.at("function").get_object().if_contains("arguments"));
                x.calls.push_back({str(c.get_object().if_contains("id")), str(c.at("function").get_object().if_contains("name")),
                                   args.empty() ? "{}" : args});
            }
        }
        return x;
    }
    std::istringstream lines(body);
    std::string line;
    std::map<std::int64_t, ToolCall> calls;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("data:", 0) != 0) continue;
        std::string data = line.substr(5);
        if (!data.empty() && data.front() == ' ') data.erase(0, 1);
        if (data == "[DONE]") break;
        boost::json::value v = boost::json::parse(data);
        const boost::json::object& root = v.get_object();
        read_usage(root, x);
        if (const auto* error = root.if_contains("error")) x.error_status = error_status(error->get_object(), 200);
        const auto* choices = root.if_contains("choices");
        if (!choices || choices->get_array().empty()) continue;
        const auto* delta = choices->get_array()[0].get_object().if_contains("delta");
        if (!delta || !delta->is_object()) continue;
        x.text += str(delta->get_object().if_contains("content"));
        if (const auto* tc = delta->get_object().if_contains("tool_calls"); tc && tc->is_array()) {
            for (const auto& c : tc->get_array()) {
                ToolCall& call = calls[c.at("index").to_number<std::int64_t>()];
                if (call.id.empty()) call.id = str(c.get_object().if_contains("id"));
                if (const auto* fn = c.get_object().if_contains("function")) {
                    if (call.name.empty()) call.name = str(fn->get_object().if_contains("name"));
                    call.arguments += str(fn->get_object().if_contains("arguments"));
                }
            }
        }
    }
    for (auto& [index, call] : calls) {
        if (call.arguments.empty()) call.arguments = "{}";
        x.calls.push_back(call);
    }
    return x;
}

inline void expect_error_type(int status, const std::exception& e) {
    switch (status) {
        case 400: EXPECT_NE(dynamic_cast<const ErrorBadRequest*>(&e), nullptr) << e.what(); break;
        case 401: EXPECT_NE(dynamic_cast<const ErrorAuth*>(&e), nullptr) << e.what(); break;
        case 404: EXPECT_NE(dynamic_cast<const ErrorNotFound*>(&e), nullptr) << e.what(); break;
        case 429: EXPECT_NE(dynamic_cast<const ErrorRateLimit*>(&e), nullptr) << e.what(); break;
        default: EXPECT_NE(dynamic_cast<const ErrorHttp*>(&e), nullptr) << e.what();
    }
}

}  // namespace agentroute::test
