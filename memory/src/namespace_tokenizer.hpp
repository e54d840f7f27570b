#pragma once

#include <string>
#include <string_view>

struct sqlite3;

namespace agentroute::detail {

/// Registers, on one connection, what the namespaced full-text index needs: the FTS5 tokenizer
/// `agentroute_ns` and the SQL function `agentroute_ns_text(ns, text)`. Every connection that
/// touches `memories_fts` must call it first. Throws ErrorMemory when FTS5 is missing.
///
/// The tokenizer is FTS5's `porter unicode61 remove_diacritics 2` with each token prefixed by a
/// tag of the namespace, read from a marker at the start of the text: the index's keys are
/// (namespace, word), so a recall reads only its own namespace's postings, however large the
/// other namespaces grow.
void register_namespace_search(sqlite3* db);

/// `text` marked with the namespace's tag, as the index and a query phrase are given it.
std::string namespaced_text(std::string_view ns, std::string_view text);

}  // namespace agentroute::detail
