#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace agentroute::detail {

/// The words of a user query or a stored text: runs of letters and digits (bytes >= 0x80 count
/// as letters, so UTF-8 words stay whole), lower-cased. Everything else separates words.
std::vector<std::string> search_words(std::string_view text);

/// A light English stemmer for the RAM store ("refunds" -> "refund", "approves" and
/// "approval" -> "approv"), so RAM recall matches word forms as SQLite's porter tokenizer does.
std::string stem(std::string word);

/// An FTS5 MATCH expression that searches `query` as plain words: each word is a quoted string
/// (so `NEAR(`, `OR`, `*`, `-`, `:` and quotes are never syntax), joined by `joiner` (" OR " or
/// " AND "), each string starting with `phrase_prefix` (the namespace's marker). Empty when the
/// query has no words.
std::string fts5_match_expression(std::string_view query, std::string_view joiner = " OR ",
                                  std::string_view phrase_prefix = {});

/// A fresh random key, "mem_" and 24 hex digits.
std::string make_memory_key();

/// Milliseconds since the Unix epoch.
long long now_ms();

}  // namespace agentroute::detail
