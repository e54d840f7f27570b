#include "pg_errors.hpp"

#include <libpq-fe.h>

#include <string_view>

namespace agentroute::detail {
namespace {

std::string one_line(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    for (char& c : text) {
        if (c == '\n') c = ' ';
    }
    return text;
}

// What to do about the errors a deployment meets; the server's own HINT comes first.
std::string_view advice(std::string_view sqlstate) {
    if (sqlstate == "57014") return "raise MemoryPostgresOptions::statement_timeout, or look for a session holding a lock";
    if (sqlstate == "55P03") return "another session holds a lock on these rows";
    if (sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03") return "the server is restarting or shutting down";
    if (sqlstate == "53300") return "the server has no connection slots left: lower pool_size or raise max_connections";
    if (sqlstate == "42501") return "the user lacks a privilege the store needs (CREATE on the database and schema)";
    if (sqlstate == "22021") return "the text is not valid UTF-8";
    if (sqlstate == "53100") return "the server's disk is full";
    if (sqlstate.starts_with("08")) return "the connection to the server was lost";
    return {};
}

}  // namespace

std::string connection_message(const pg_conn* conn) {
    std::string message = one_line(conn ? PQerrorMessage(conn) : "");
    return message.empty() ? "the connection failed" : message;
}

std::string sqlstate_of(const pg_result* result) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    return state ? state : "";
}

std::string result_error(const pg_result* result) {
    if (result == nullptr) return "no result (out of memory?)";
    switch (PQresultStatus(result)) {
        case PGRES_FATAL_ERROR:
        case PGRES_BAD_RESPONSE:
            break;
        default:
            return {};
    }
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    std::string text = primary ? primary : one_line(PQresultErrorMessage(result));
    const std::string state = sqlstate_of(result);
    if (!state.empty()) text += " (SQLSTATE " + state + ")";
    if (const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL)) text += std::string(": ") + detail;
    if (const char* hint = PQresultErrorField(result, PG_DIAG_MESSAGE_HINT)) {
        text += std::string(" (hint: ") + hint + ")";
    } else if (std::string_view a = advice(state); !a.empty()) {
        text += " (" + std::string(a) + ")";
    }
    return text;
}

bool connection_lost(const pg_result* result) {
    const std::string state = sqlstate_of(result);
    return state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03";
}

}  // namespace agentroute::detail
