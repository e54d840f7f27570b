// A recall query, any bytes: the words it yields and the FTS5 expression built from them.
// The expression is only ever quoted words joined by OR/AND: query text is never syntax.

#include "text_search.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view query(reinterpret_cast<const char*>(data), size);
    for (const std::string& word : agentroute::detail::search_words(query)) {
        if (word.empty() || word.find('"') != std::string::npos) std::abort();
        if (agentroute::detail::stem(word).size() > word.size()) std::abort();
    }
    const std::string expression = agentroute::detail::fts5_match_expression(query);
    // Quotes come in pairs around each word.
    std::size_t quotes = 0;
    for (char c : expression) quotes += c == '"';
    if (quotes % 2 != 0) std::abort();
    return 0;
}
