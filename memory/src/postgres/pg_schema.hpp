#pragma once

#include <chrono>
#include <string>

namespace agentroute::detail {

/// The schema version this build writes in PostgreSQL.
inline constexpr int postgres_schema_version = 2;

/// Whether `schema` may name the store's schema: [a-z_][a-z0-9_]*, at most 63 bytes (it is
/// written into statements, so nothing else is accepted).
bool valid_schema_name(const std::string& schema);

/// Brings `schema` to `postgres_schema_version` over one blocking connection (start-up only):
/// under a database-wide advisory lock, so processes starting at once migrate once; one
/// version per transaction. Throws `ErrorMemory` for a failed connection or a schema written
/// by a newer build.
void migrate_postgres(const std::string& conninfo, const std::string& schema,
                      std::chrono::milliseconds timeout);

/// What every pooled connection runs once: its search_path and statement_timeout, and the
/// store's statements prepared (one round trip).
std::string postgres_session_setup(const std::string& schema, std::chrono::milliseconds statement_timeout);

}  // namespace agentroute::detail
