#pragma once

#include <agentroute/memory/memory.hpp>

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace agentroute::detail {

/// The in-RAM store behind `Memory`: maps under one mutex (held for microseconds, never across
/// a suspension), ranking recall with BM25 like SQLite's FTS5.
class MemoryRam {
public:
    std::string remember(MemoryRecord record);
    std::vector<MemoryRecord> recall(const std::string& query, const std::string& ns,
                                     std::size_t limit) const;
    std::optional<MemoryRecord> get(const std::string& key, const std::string& ns) const;
    bool forget(const std::string& key, const std::string& ns);
    std::vector<MemoryRecord> recent(const std::string& ns, std::size_t limit) const;
    std::vector<Message> load_conversation(const std::string& id) const;
    void append_conversation(const std::string& id, std::vector<Message> messages);
    double add_to_total(const std::string& name, double amount);

private:
    struct Entry {
        MemoryRecord record;
        std::vector<std::string> words;
        std::uint64_t seq;
    };
    struct Space {
        std::unordered_map<std::string, Entry> by_key;
    };

    mutable std::mutex mutex_;
    std::unordered_map<std::string, Space> spaces_;
    std::unordered_map<std::string, std::vector<Message>> conversations_;
    std::unordered_map<std::string, double> totals_;
    std::uint64_t next_seq_ = 0;
};

}  // namespace agentroute::detail
