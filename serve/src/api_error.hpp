#pragma once

// An error as OpenAI's API answers it: a status and `{"error":{"message","type","param","code"}}`.

#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

namespace agentroute::serve::detail {

struct ApiError {
    int status = 500;
    std::string type = "server_error";
    std::string message{};
    std::string param{};  // "" → null
    std::string code{};   // "" → null
    /// Seconds, for a 429 (`Retry-After`); 0: no header.
    long retry_after = 0;
};

/// Thrown by the request readers; the connection answers it.
class ApiFailure : public std::runtime_error {
public:
    explicit ApiFailure(ApiError e) : std::runtime_error(e.message), error(std::move(e)) {}
    ApiError error;
};

/// 400 invalid_request_error, naming `param` when given.
inline ApiFailure bad_request(std::string message, std::string param = {}, std::string code = {}) {
    return ApiFailure(ApiError{400, "invalid_request_error", std::move(message), std::move(param), std::move(code)});
}

/// The body of an error answer.
std::string error_json(const ApiError& error);

/// How a failed run is answered: its `ErrorAgent` subclass decides the status (a budget 402, a
/// deadline 504, the model's provider failing 502, a bad key of the server's 500, ...). The
/// message says what happened without the server's secrets.
ApiError error_for_run(const std::exception_ptr& error);

}  // namespace agentroute::serve::detail
