#pragma once

#include <agentroute/usage.hpp>

#include <exception>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace agentroute {

/// Base of every error a run can end in. Carries the usage spent before the error, so spent
/// money is never lost: `catch (const ErrorAgent& e) { bill(e.usage()); }`.
class ErrorAgent : public std::runtime_error {
public:
    explicit ErrorAgent(const std::string& what, Usage usage = {})
        : std::runtime_error(what), usage_(usage) {}

    /// Usage of the run up to the error (tokens, USD, model calls).
    const Usage& usage() const noexcept { return usage_; }

    /// Replaces the carried usage; the run loop calls it when an error leaves a run.
    void set_usage(const Usage& usage) noexcept { usage_ = usage; }

    /// The model calls of the run up to the error, one record each, in order (the failed call
    /// last, when it was billed); `usage()` is their sum. From a `Model` directly: the record
    /// of the one failed call.
    std::span<const CallUsage> calls() const noexcept {
        return calls_ ? std::span<const CallUsage>(*calls_) : std::span<const CallUsage>();
    }
    void set_calls(std::vector<CallUsage> calls) {
        calls_ = std::make_shared<const std::vector<CallUsage>>(std::move(calls));
    }
    /// What each agent of the run's tree spent up to the error (`usage_by_agent`).
    std::vector<AgentUsage> usage_by_agent() const { return agentroute::usage_by_agent(calls()); }

private:
    Usage usage_;
    // Shared: an exception is copied as it is thrown and caught, the records are not.
    std::shared_ptr<const std::vector<CallUsage>> calls_;
};

/// The run's accumulated cost crossed `max_cost`, or the next call could not fit under it.
class ErrorBudget : public ErrorAgent {
public:
    ErrorBudget(double spent, double limit, Usage usage);
    /// USD spent by the run so far.
    double spent() const noexcept { return spent_; }
    /// The run's ceiling, `AgentOptions::max_cost`.
    double limit() const noexcept { return limit_; }

protected:
    ErrorBudget(const std::string& what, double spent, double limit, Usage usage)
        : ErrorAgent(what, usage), spent_(spent), limit_(limit) {}

private:
    double spent_;
    double limit_;
};

/// `max_cost` is set and a call's cost is unknown (no `usage.cost` in the answer, no bill from
/// `GET /generation`, no catalogue price): the run stops before its next model call rather
/// than spend blind, unless `AgentOptions::allow_unknown_cost` is set. `spent()` is the part
/// of the cost that is known; `calls()` shows which call is unknown.
class ErrorCostUnknown : public ErrorBudget {
public:
    ErrorCostUnknown(double spent, double limit, const std::string& model, Usage usage);
};

/// The run needed more model calls than `max_turns`.
class ErrorMaxTurns : public ErrorAgent {
public:
    ErrorMaxTurns(int turn, int limit, Usage usage);
    /// The turn that was refused (limit + 1).
    int turn() const noexcept { return turn_; }
    /// `AgentOptions::max_turns`.
    int limit() const noexcept { return limit_; }

private:
    int turn_;
    int limit_;
};

/// The model needed more corrective passes (`Retry` from tools or validators, invalid tool
/// arguments, unparsable output) than `AgentOptions::retries` allows.
class ErrorRetries : public ErrorAgent {
public:
    ErrorRetries(int retries, const std::string& last_message, Usage usage);
    int retries() const noexcept { return retries_; }
    /// The last correction that was sent (or would have been sent) to the model.
    const std::string& last_message() const noexcept { return last_message_; }

private:
    int retries_;
    std::string last_message_;
};

/// The run was cancelled through its Asio cancellation slot.
class ErrorCancelled : public ErrorAgent {
public:
    explicit ErrorCancelled(Usage usage = {});
};

/// The run's deadline (`RunOptions::deadline`) passed.
class ErrorDeadline : public ErrorAgent {
public:
    explicit ErrorDeadline(Usage usage = {});
};

/// Wrong or missing configuration: no API key, an unknown model name, a model without an
/// endpoint for the request.
class ErrorConfig : public ErrorAgent {
public:
    using ErrorAgent::ErrorAgent;
};

/// A tool or an output validator threw something other than `Retry` or an `ErrorAgent`. The
/// original exception is nested: `std::rethrow_if_nested(e)` reaches it.
class ErrorTool : public ErrorAgent {
public:
    ErrorTool(const std::string& tool, const std::string& what, Usage usage = {})
        : ErrorAgent("tool '" + tool + "' failed: " + what, usage), tool_(tool) {}
    /// The tool's name ("output validator" for validators).
    const std::string& tool() const noexcept { return tool_; }

private:
    std::string tool_;
};

/// The server could not be reached or the connection failed: refused, reset, DNS, or a TLS
/// certificate that is not trusted or does not match the host name.
class ErrorNetwork : public ErrorAgent {
public:
    using ErrorAgent::ErrorAgent;
};

/// A malformed, truncated or oversized answer from the server.
class ErrorProtocol : public ErrorAgent {
public:
    using ErrorAgent::ErrorAgent;
};

/// A memory store failed (corrupt file, locked database, full disk, unwritable path).
class ErrorMemory : public ErrorAgent {
public:
    ErrorMemory(const std::string& what, int sqlite_code = 0, std::string sqlstate = {})
        : ErrorAgent(what), sqlite_code_(sqlite_code), sqlstate_(std::move(sqlstate)) {}
    /// SQLite's extended result code, or 0 when not from SQLite.
    int sqlite_code() const noexcept { return sqlite_code_; }
    /// PostgreSQL's five-character SQLSTATE ("57014" for a statement timeout), or "" when not
    /// from PostgreSQL or when the connection failed before the server said one.
    const std::string& sqlstate() const noexcept { return sqlstate_; }

private:
    int sqlite_code_;
    std::string sqlstate_;
};

/// A `Memory::recall` query past the search limits (`Memory::max_recall_query_bytes`,
/// `Memory::max_recall_query_words`): refused before any search, so one query cannot occupy a
/// store that every run shares.
class ErrorRecallQuery : public ErrorMemory {
public:
    using ErrorMemory::ErrorMemory;
};

/// An HTTP-level failure reported by OpenRouter or the upstream provider.
///
/// `provider_message()` is the server's own text, size-capped; it never holds request
/// headers or the key.
class ErrorHttp : public ErrorAgent {
public:
    struct Details {
        int status = 0;
        std::string code{};  // `error.code`: a number or a string on the wire, kept as text
        std::string provider_message{};
        std::string error_type{};  // `error.metadata.error_type`, when present
        std::string provider_name{};
        std::string generation_id{};
        double retry_after_s = -1;  // from `Retry-After` or `error.availability`, -1 when absent
    };
    ErrorHttp(const std::string& what, Details details, Usage usage = {})
        : ErrorAgent(what, usage), details_(std::move(details)) {}

    int status() const noexcept { return details_.status; }
    const std::string& code() const noexcept { return details_.code; }
    const std::string& provider_message() const noexcept { return details_.provider_message; }
    const Details& details() const noexcept { return details_; }

private:
    Details details_;
};

/// 400: bad request, context length exceeded, unsupported parameter.
class ErrorBadRequest : public ErrorHttp { public: using ErrorHttp::ErrorHttp; };
/// 401: the key is wrong, revoked or missing.
class ErrorAuth : public ErrorHttp { public: using ErrorHttp::ErrorHttp; };
/// 402: the account is out of credits.
class ErrorCredits : public ErrorHttp { public: using ErrorHttp::ErrorHttp; };
/// 403: moderation or guardrail refused the input.
class ErrorModeration : public ErrorHttp { public: using ErrorHttp::ErrorHttp; };
/// 404: no model or no endpoint serves this request (e.g. none supports tools).
class ErrorNotFound : public ErrorHttp { public: using ErrorHttp::ErrorHttp; };
/// 408/504/524, or one of the client's own timeouts (status 0): the request or the upstream
/// timed out.
class ErrorTimeout : public ErrorHttp { public: using ErrorHttp::ErrorHttp; };
/// 429: rate limited.
class ErrorRateLimit : public ErrorHttp { public: using ErrorHttp::ErrorHttp; };
/// 500/502/503/529 and availability errors: the upstream failed.
class ErrorUpstream : public ErrorHttp { public: using ErrorHttp::ErrorHttp; };

/// A control signal, not an error: thrown from a tool or an output validator, its message goes
/// back to the model so it can correct itself. The loop bounds it with `retries`.
///
/// Deliberately not an `ErrorAgent`: `catch (const ErrorAgent&)` never sees it.
class Retry : public std::exception {
public:
    explicit Retry(std::string message) : message_(std::move(message)) {}
    const char* what() const noexcept override { return message_.c_str(); }
    const std::string& message() const noexcept { return message_; }

private:
    std::string message_;
};

}  // namespace agentroute
