#pragma once

#include "openrouter_wire.hpp"

#include <agentroute/errors.hpp>

#include <boost/system/error_code.hpp>

#include <exception>
#include <string>
#include <string_view>

namespace agentroute::net::detail {

/// The one place where net/'s error values become exceptions, at the Model boundary.

/// An HTTP or in-body error from OpenRouter as the matching `ErrorHttp` subclass. `model` names
/// the requested model in messages (e.g. a 404: no endpoint serves it). Every text the server
/// supplied is passed through `redact_secrets` with `api_key` first.
std::exception_ptr to_exception(const WireError& error, const std::string& model,
                                const std::string& generation_id, const Usage& usage,
                                std::string_view api_key);

/// A transport failure (connect, TLS, timeout, reset) as `ErrorTimeout`, `ErrorNetwork` or
/// `ErrorProtocol`.
std::exception_ptr to_exception(const boost::system::error_code& ec, const std::string& host);

/// Whether an HTTP/in-body error is worth retrying.
bool is_retryable(const WireError& error) noexcept;

/// Whether a transport failure before any response byte is worth retrying.
bool is_retryable(const boost::system::error_code& ec) noexcept;

}  // namespace agentroute::net::detail
