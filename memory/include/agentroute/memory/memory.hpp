#pragma once

#include <agentroute/messages.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace agentroute {

namespace detail {
class MemoryRam;
}

/// One remembered item.
struct MemoryRecord {
    std::string key{};
    /// The namespace (a user or tenant id); "" is the default namespace.
    std::string ns{};
    std::string text{};
    std::vector<std::string> tags{};
    /// Caller's metadata as JSON text ("{}" when none).
    std::string metadata = "{}";
    /// Milliseconds since the Unix epoch.
    std::int64_t created_ms = 0;
    /// Recall rank: higher is better; 0 outside `recall`.
    double score = 0;
};

/// Memory that tools reach through `RunContext::memory()`: remember text, recall it by full-text
/// search (best first), get, forget and list by key, and store whole conversations.
///
/// `Memory` itself keeps everything in RAM (for scripts and tests); `MemorySQLite` is the
/// durable implementation with the same behaviour. A namespace's items are invisible to every
/// operation in another namespace.
///
/// Thread safety: one memory object may be shared by many agents, runs and threads.
/// Every operation is awaitable and never blocks the calling executor's thread.
class Memory {
public:
    /// An empty in-RAM memory.
    Memory();
    virtual ~Memory();
    Memory(const Memory&) = delete;
    Memory& operator=(const Memory&) = delete;

    /// Stores `text` in namespace `ns` under `key` (a fresh key when empty; an existing key is
    /// replaced) and returns the key. Returns once the item is stored (committed, for SQLite).
    boost::asio::awaitable<std::string> remember(std::string text, std::string ns = {},
                                                 std::string key = {},
                                                 std::vector<std::string> tags = {},
                                                 std::string metadata_json = {});

    /// Longest query `recall` searches, in bytes and in words. A search's cost grows with its
    /// words (each is a term every candidate is scored on), and the store serves every run:
    /// past either, `recall` throws `ErrorRecallQuery` without searching.
    static constexpr std::size_t max_recall_query_bytes = 8 * 1024;
    static constexpr std::size_t max_recall_query_words = 64;

    /// Items of namespace `ns` matching the words of `query`, best first (BM25), at most
    /// `limit`: the items holding every word, or when none does, those holding any of them.
    /// Word forms match ("refunds" finds "refund"). The query is plain words: quotes, operators
    /// and punctuation are never search syntax. Throws `ErrorRecallQuery` for a query longer
    /// than `max_recall_query_bytes` or with more than `max_recall_query_words` words.
    boost::asio::awaitable<std::vector<MemoryRecord>> recall(std::string query, std::string ns = {},
                                                             std::size_t limit = 5);

    /// The item stored under `key` in `ns`, if any.
    boost::asio::awaitable<std::optional<MemoryRecord>> get(std::string key, std::string ns = {});

    /// Removes the item under `key` in `ns`; returns whether there was one.
    boost::asio::awaitable<bool> forget(std::string key, std::string ns = {});

    /// The most recently stored items of `ns`, newest first.
    boost::asio::awaitable<std::vector<MemoryRecord>> recent(std::string ns = {},
                                                             std::size_t limit = 10);

    /// The stored messages of conversation `id`, oldest first (empty when unknown).
    boost::asio::awaitable<std::vector<Message>> load_conversation(std::string id);

    /// Appends whole turns to conversation `id` atomically: all of `messages` or none.
    /// Throws `std::invalid_argument` when `messages` would split a tool call from its results.
    boost::asio::awaitable<void> append_conversation(std::string id, std::vector<Message> messages);

    /// Adds `amount` to the running total `name` and returns the total after it, atomically:
    /// concurrent adds, from every process sharing the store (a SQLite file, a PostgreSQL
    /// database), are each counted exactly once. A total nothing was added to is 0. `serve`
    /// keeps each tenant's daily spend so. Throws `std::invalid_argument` for an amount that is
    /// not finite; like every write, an add that fails may be reported after it was applied
    /// (a connection lost after the statement was sent) but is never repeated blindly.
    boost::asio::awaitable<double> add_to_total(std::string name, double amount);

protected:
    struct no_ram_t {};
    /// For other stores: no RAM state.
    explicit Memory(no_ram_t) noexcept;

    virtual boost::asio::awaitable<std::string> do_remember(MemoryRecord record);
    virtual boost::asio::awaitable<std::vector<MemoryRecord>> do_recall(std::string query,
                                                                        std::string ns,
                                                                        std::size_t limit);
    virtual boost::asio::awaitable<std::optional<MemoryRecord>> do_get(std::string key,
                                                                       std::string ns);
    virtual boost::asio::awaitable<bool> do_forget(std::string key, std::string ns);
    virtual boost::asio::awaitable<std::vector<MemoryRecord>> do_recent(std::string ns,
                                                                        std::size_t limit);
    virtual boost::asio::awaitable<std::vector<Message>> do_load_conversation(std::string id);
    virtual boost::asio::awaitable<void> do_append_conversation(std::string id,
                                                                std::vector<Message> messages);
    virtual boost::asio::awaitable<double> do_add_to_total(std::string name, double amount);

private:
    std::unique_ptr<detail::MemoryRam> ram_;
};

}  // namespace agentroute
