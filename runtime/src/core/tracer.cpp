#include <agentroute/errors.hpp>
#include <agentroute/tracer.hpp>

namespace agentroute {

const char* to_string(SpanOperation operation) noexcept {
    switch (operation) {
        case SpanOperation::invoke_agent: return "invoke_agent";
        case SpanOperation::chat: return "chat";
        case SpanOperation::execute_tool: return "execute_tool";
    }
    return "unknown";
}

const char* error_type(const std::exception_ptr& error) noexcept {
    if (!error) return "";
    try {
        std::rethrow_exception(error);
    } catch (const ErrorCostUnknown&) {  // most derived first
        return "ErrorCostUnknown";
    } catch (const ErrorBudget&) {
        return "ErrorBudget";
    } catch (const ErrorMaxTurns&) {
        return "ErrorMaxTurns";
    } catch (const ErrorRetries&) {
        return "ErrorRetries";
    } catch (const ErrorCancelled&) {
        return "ErrorCancelled";
    } catch (const ErrorDeadline&) {
        return "ErrorDeadline";
    } catch (const ErrorConfig&) {
        return "ErrorConfig";
    } catch (const ErrorTool&) {
        return "ErrorTool";
    } catch (const ErrorNetwork&) {
        return "ErrorNetwork";
    } catch (const ErrorProtocol&) {
        return "ErrorProtocol";
    } catch (const ErrorRecallQuery&) {
        return "ErrorRecallQuery";
    } catch (const ErrorMemory&) {
        return "ErrorMemory";
    } catch (const ErrorBadRequest&) {
        return "ErrorBadRequest";
    } catch (const ErrorAuth&) {
        return "ErrorAuth";
    } catch (const ErrorCredits&) {
        return "ErrorCredits";
    } catch (const ErrorModeration&) {
        return "ErrorModeration";
    } catch (const ErrorNotFound&) {
        return "ErrorNotFound";
    } catch (const ErrorTimeout&) {
        return "ErrorTimeout";
    } catch (const ErrorRateLimit&) {
        return "ErrorRateLimit";
    } catch (const ErrorUpstream&) {
        return "ErrorUpstream";
    } catch (const ErrorHttp&) {
        return "ErrorHttp";
    } catch (const ErrorAgent&) {
        return "ErrorAgent";
    } catch (const std::exception&) {
        return "std::exception";
    } catch (...) {
        return "unknown";
    }
}

}  // namespace agentroute
