#include "api_error.hpp"


#include <agentroute/errors.hpp>

namespace agentroute::serve::detail {

ApiError error_for_run(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const ErrorBudget& e) {
        // 402, not 429: the openai SDKs retry a 429 and would spend the budget again.
        return {402, "insufficient_quota", e.what(), {}, "budget_exceeded"};
    } catch (const ErrorMaxTurns& e) {
        return {422, "invalid_request_error", e.what(), {}, "max_turns_exceeded"};
    } catch (const ErrorDeadline& e) {
        return {504, "server_error", e.what(), {}, "deadline_exceeded"};
    } catch (const ErrorCancelled& e) {
        return {503, "server_error", e.what(), {}, "run_cancelled"};
    } catch (const ErrorModeration& e) {
        return {400, "invalid_request_error", e.what(), {}, "content_filter"};
    } catch (const ErrorBadRequest& e) {
        // The agent's request to its model: the client's input (too long a context, say).
        return {400, "invalid_request_error", e.what(), {}, "model_refused_request"};
    } catch (const ErrorAuth&) {
        // The server's own OpenRouter key: nothing the client can fix, and nothing to show.
        return {500, "server_error", "the agent's model provider refused the server's credentials", {}, "upstream_auth"};
    } catch (const ErrorCredits&) {
        return {503, "server_error", "the agent's model provider account is out of credits", {}, "upstream_credits"};
    } catch (const ErrorTimeout& e) {
        return {504, "server_error", e.what(), {}, "upstream_timeout"};
    } catch (const ErrorRateLimit& e) {
        // Upstream's 429 after the agent's own retries: the client may come back later.
        return {503, "server_error", e.what(), {}, "upstream_rate_limited", 1};
    } catch (const ErrorHttp& e) {
        return {502, "server_error", e.what(), {}, "upstream_error"};
    } catch (const ErrorNetwork& e) {
        return {502, "server_error", e.what(), {}, "upstream_unreachable"};
    } catch (const ErrorProtocol& e) {
        return {502, "server_error", e.what(), {}, "upstream_bad_answer"};
    } catch (const ErrorRetries& e) {
        return {500, "server_error", e.what(), {}, "retries_exhausted"};
    } catch (const ErrorTool& e) {
        // Its message may hold what the tool saw (paths, rows): the tool's name only.
        return {500, "server_error", "the agent's tool '" + e.tool() + "' failed", {}, "tool_failed"};
    } catch (const ErrorMemory&) {
        return {500, "server_error", "the agent's memory store failed", {}, "memory_error"};
    } catch (const ErrorConfig&) {
        return {500, "server_error", "the agent is misconfigured (the server's access log has the error)", {}, "agent_config"};
    } catch (const ErrorAgent& e) {
        return {500, "server_error", e.what(), {}, {}};
    } catch (const std::exception& e) {
        return {500, "server_error", "internal error", {}, {}};
    }
}

}  // namespace agentroute::serve::detail
