#pragma once

#include <string>

struct pg_conn;
struct pg_result;

namespace agentroute::detail {

/// libpq's last message for `conn`, on one line ("connection to server at ... failed: ...").
std::string connection_message(const pg_conn* conn);

/// "" for a successful result; else the server's message with its SQLSTATE, detail and a hint
/// ("statement timeout (SQLSTATE 57014): ... (raise MemoryPostgresOptions::statement_timeout ...)").
std::string result_error(const pg_result* result);

/// The result's SQLSTATE ("" when none).
std::string sqlstate_of(const pg_result* result);

/// Whether the error ends the session: a connection exception (class 08) or a shutdown (57P0x).
bool connection_lost(const pg_result* result);

}  // namespace agentroute::detail
