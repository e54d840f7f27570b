#include "error_mapping.hpp"

#include "net_error.hpp"
#include "redact.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>

namespace agentroute::net::detail {
namespace {

constexpr std::size_t provider_text_cap = 2000;

std::string capped(std::string text) {
    if (text.size() > provider_text_cap) {
        text.resize(provider_text_cap);
        text += "...";
    }
    return text;
}

// `what` and a further sentence, with one period between them ("User not found." ends in one).
std::string then(const std::string& what, std::string_view sentence) {
    return what + (!what.empty() && what.back() == '.' ? " " : ". ") + std::string(sentence);
}

}  // namespace

std::exception_ptr to_exception(const WireError& wire, const std::string& model,
                                const std::string& generation_id, const Usage& usage,
                                std::string_view api_key) {
    WireError e = wire;
    for (std::string* text : {&e.code, &e.message, &e.error_type, &e.provider_name, &e.raw}) {
        *text = redact_secrets(*text, api_key);
    }
    ErrorHttp::Details d;
    d.status = e.status;
    d.code = e.code;
    d.provider_message = capped(e.raw.empty() ? e.message : e.message + ": " + e.raw);
    d.error_type = e.error_type;
    d.provider_name = e.provider_name;
    d.generation_id = generation_id;
    d.retry_after_s = e.retry_after_s;

    std::string what = "OpenRouter error " + std::to_string(e.status);
    if (!model.empty()) what += " for model '" + model + "'";  // none for /key, /models
    if (!e.provider_name.empty()) what += " (provider " + e.provider_name + ")";
    what += ": " + capped(e.message.empty() ? std::string("no message") : e.message);
    if (!e.raw.empty()) what += " [" + capped(e.raw) + "]";

    switch (e.status) {
        case 400: return std::make_exception_ptr(ErrorBadRequest(what, d, usage));
        case 401:
            return std::make_exception_ptr(ErrorAuth(
                then(what, "Check the key (AgentOptions::api_key, AGENTROUTE_API_KEY, OPENROUTER_API_KEY or `agentroute login`)"),
                d, usage));
        case 402:
            return std::make_exception_ptr(ErrorCredits(then(what, "Add credits at https://openrouter.ai/settings/credits"), d, usage));
        case 403: return std::make_exception_ptr(ErrorModeration(what, d, usage));
        case 404:
            return std::make_exception_ptr(ErrorNotFound(
                then(what, "Check the model slug, or that some provider of it supports this request (tools, response_format)"),
                d, usage));
        case 408:
        case 504:
        case 524: return std::make_exception_ptr(ErrorTimeout(what, d, usage));
        case 429: return std::make_exception_ptr(ErrorRateLimit(what, d, usage));
        default:
            if (e.status >= 500 || e.availability) return std::make_exception_ptr(ErrorUpstream(what, d, usage));
            return std::make_exception_ptr(ErrorBadRequest(what, d, usage));
    }
}

std::exception_ptr to_exception(const boost::system::error_code& ec, const std::string& host) {
    const std::string where = " (" + host + ")";
    if (ec == error::connect_timeout || ec == error::handshake_timeout || ec == error::header_timeout ||
        ec == error::idle_timeout) {
        ErrorHttp::Details d;
        return std::make_exception_ptr(ErrorTimeout(ec.message() + where, d));
    }
    if (ec == error::response_too_large || ec == error::stream_reset || ec == error::http2_protocol) {
        return std::make_exception_ptr(ErrorProtocol(ec.message() + where));
    }
    if (ec.category() == boost::asio::error::get_ssl_category()) {
        std::string reason = ec.message();
        if (reason.find("certificate verify failed") != std::string::npos || reason.find("verify") != std::string::npos) {
            return std::make_exception_ptr(ErrorNetwork(
                "TLS certificate verification failed" + where + ": " + reason +
                ". Trust a private CA with HttpsOptions::ca_file or AGENTROUTE_CA_FILE; verification is never disabled"));
        }
        return std::make_exception_ptr(ErrorNetwork("TLS error" + where + ": " + reason));
    }
    if (ec.category() == boost::beast::http::make_error_code(boost::beast::http::error::end_of_stream).category() ||
        ec == boost::asio::ssl::error::stream_truncated || ec == boost::asio::error::eof) {
        return std::make_exception_ptr(ErrorProtocol("the server closed the connection mid-response" + where + ": " + ec.message()));
    }
    return std::make_exception_ptr(ErrorNetwork("cannot reach the server" + where + ": " + ec.message()));
}

bool is_retryable(const WireError& e) noexcept {
    if (e.availability) return e.retryable;
    switch (e.status) {
        case 408: case 429: case 500: case 502: case 503: case 504: case 524: case 529: return true;
        default: return false;
    }
}

bool is_retryable(const boost::system::error_code& ec) noexcept {
    // Only failures before the request could have been processed: refused, reset, timeouts to
    // connect. A TLS verification failure never heals by retrying.
    return ec == boost::asio::error::connection_refused || ec == boost::asio::error::connection_reset ||
           ec == boost::asio::error::connection_aborted || ec == boost::asio::error::network_unreachable ||
           ec == boost::asio::error::host_unreachable || ec == boost::asio::error::timed_out ||
           ec == error::connect_timeout || ec == error::handshake_timeout || ec == error::stream_refused;
}

}  // namespace agentroute::net::detail
