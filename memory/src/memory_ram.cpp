#include "memory_ram.hpp"

#include "message_codec.hpp"
#include "text_search.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace agentroute::detail {

std::string MemoryRam::remember(MemoryRecord record) {
    std::vector<std::string> words = search_words(record.text);
    for (const std::string& tag : record.tags) {
        for (std::string& w : search_words(tag)) words.push_back(std::move(w));
    }
    for (std::string& w : words) w = stem(std::move(w));
    std::string key = record.key;
    std::string ns = record.ns;
    std::lock_guard lock(mutex_);
    spaces_[ns].by_key[key] = Entry{std::move(record), std::move(words), next_seq_++};
    return key;
}

std::vector<MemoryRecord> MemoryRam::recall(const std::string& query, const std::string& ns,
                                            std::size_t limit) const {
    std::vector<std::string> terms = search_words(query);
    for (std::string& t : terms) t = stem(std::move(t));
    std::sort(terms.begin(), terms.end());
    terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
    std::lock_guard lock(mutex_);
    auto space = spaces_.find(ns);
    if (terms.empty() || space == spaces_.end()) return {};
    const auto& entries = space->second.by_key;

    // Okapi BM25 (k1 = 1.2, b = 0.75), as FTS5's bm25() ranks.
    double total_len = 0;
    std::vector<std::size_t> df(terms.size(), 0);
    for (const auto& [key, e] : entries) {
        total_len += static_cast<double>(e.words.size());
        for (std::size_t t = 0; t < terms.size(); ++t) {
            if (std::find(e.words.begin(), e.words.end(), terms[t]) != e.words.end()) ++df[t];
        }
    }
    const double n = static_cast<double>(entries.size());
    const double avg_len = n > 0 ? total_len / n : 1;
    struct Scored {
        bool all_terms;
        double score;
        const Entry* entry;
    };
    std::vector<Scored> scored;
    for (const auto& [key, e] : entries) {
        double score = 0;
        std::size_t matched = 0;
        for (std::size_t t = 0; t < terms.size(); ++t) {
            const double tf = static_cast<double>(std::count(e.words.begin(), e.words.end(), terms[t]));
            if (tf == 0) continue;
            ++matched;
            const double idf = std::log((n - df[t] + 0.5) / (df[t] + 0.5) + 1.0);
            score += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * e.words.size() / avg_len));
        }
        if (matched > 0) scored.push_back({matched == terms.size(), score, &e});
    }
    // As MemorySQLite: items holding every word, or when none does, items holding any word;
    // by BM25, newest on ties.
    if (std::any_of(scored.begin(), scored.end(), [](const Scored& s) { return s.all_terms; })) {
        std::erase_if(scored, [](const Scored& s) { return !s.all_terms; });
    }
    std::sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
        if (a.all_terms != b.all_terms) return a.all_terms;
        return a.score != b.score ? a.score > b.score : a.entry->seq > b.entry->seq;
    });
    std::vector<MemoryRecord> out;
    for (std::size_t i = 0; i < scored.size() && i < limit; ++i) {
        out.push_back(scored[i].entry->record);
        out.back().score = scored[i].score;
    }
    return out;
}

std::optional<MemoryRecord> MemoryRam::get(const std::string& key, const std::string& ns) const {
    std::lock_guard lock(mutex_);
    auto space = spaces_.find(ns);
    if (space == spaces_.end()) return std::nullopt;
    auto it = space->second.by_key.find(key);
    if (it == space->second.by_key.end()) return std::nullopt;
    return it->second.record;
}

bool MemoryRam::forget(const std::string& key, const std::string& ns) {
    std::lock_guard lock(mutex_);
    auto space = spaces_.find(ns);
    return space != spaces_.end() && space->second.by_key.erase(key) > 0;
}

std::vector<MemoryRecord> MemoryRam::recent(const std::string& ns, std::size_t limit) const {
    std::lock_guard lock(mutex_);
    auto space = spaces_.find(ns);
    if (space == spaces_.end()) return {};
    std::vector<const Entry*> entries;
    for (const auto& [key, e] : space->second.by_key) entries.push_back(&e);
    std::sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->seq > b->seq; });
    std::vector<MemoryRecord> out;
    for (std::size_t i = 0; i < entries.size() && i < limit; ++i) out.push_back(entries[i]->record);
    return out;
}

std::vector<Message> MemoryRam::load_conversation(const std::string& id) const {
    std::lock_guard lock(mutex_);
    auto it = conversations_.find(id);
    return it == conversations_.end() ? std::vector<Message>{} : it->second;
}

void MemoryRam::append_conversation(const std::string& id, std::vector<Message> messages) {
    std::lock_guard lock(mutex_);
    auto& stored = conversations_[id];
    stored.insert(stored.end(), std::make_move_iterator(messages.begin()),
                  std::make_move_iterator(messages.end()));
}

double MemoryRam::add_to_total(const std::string& name, double amount) {
    const std::lock_guard lock(mutex_);
    return totals_[name] += amount;
}

}  // namespace agentroute::detail
