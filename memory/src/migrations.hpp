#pragma once

#include <SQLiteCpp/Database.h>

namespace agentroute::detail {

/// The schema version this build writes.
inline constexpr int memory_schema_version = 4;

/// Brings the file's schema to `memory_schema_version`, one version per transaction (so a
/// crash mid-migration leaves the previous version). Throws `ErrorMemory` for a file written by
/// a newer build. The connection must have `register_namespace_search` on it.
void migrate(SQLite::Database& db, const std::string& path);

}  // namespace agentroute::detail
