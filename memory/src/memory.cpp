#include <agentroute/memory/memory.hpp>

#include "memory_ram.hpp"
#include "message_codec.hpp"
#include "text_search.hpp"

#include <agentroute/errors.hpp>

#include <cmath>
#include <stdexcept>

namespace agentroute {

Memory::Memory() : ram_(std::make_unique<detail::MemoryRam>()) {}
Memory::Memory(no_ram_t) noexcept {}
Memory::~Memory() = default;

boost::asio::awaitable<std::string> Memory::remember(std::string text, std::string ns,
                                                     std::string key,
                                                     std::vector<std::string> tags,
                                                     std::string metadata_json) {
    MemoryRecord record;
    record.key = key.empty() ? detail::make_memory_key() : std::move(key);
    record.ns = std::move(ns);
    record.text = std::move(text);
    record.tags = std::move(tags);
    record.metadata = metadata_json.empty() ? "{}" : std::move(metadata_json);
    record.created_ms = detail::now_ms();
    std::string stored = co_await do_remember(std::move(record));
    co_return stored;
}

boost::asio::awaitable<std::vector<MemoryRecord>> Memory::recall(std::string query, std::string ns,
                                                                 std::size_t limit) {
    if (query.size() > max_recall_query_bytes) {
        throw ErrorRecallQuery("recall query of " + std::to_string(query.size()) + " bytes: at most " +
                               std::to_string(max_recall_query_bytes) + " are searched (Memory::max_recall_query_bytes)");
    }
    if (const std::size_t words = detail::search_words(query).size(); words > max_recall_query_words) {
        throw ErrorRecallQuery("recall query of " + std::to_string(words) + " words: at most " +
                               std::to_string(max_recall_query_words) + " are searched (Memory::max_recall_query_words)");
    }
    auto records = co_await do_recall(std::move(query), std::move(ns), limit);
    co_return records;
}

boost::asio::awaitable<std::optional<MemoryRecord>> Memory::get(std::string key, std::string ns) {
    auto record = co_await do_get(std::move(key), std::move(ns));
    co_return record;
}

boost::asio::awaitable<bool> Memory::forget(std::string key, std::string ns) {
    const bool forgotten = co_await do_forget(std::move(key), std::move(ns));
    co_return forgotten;
}

boost::asio::awaitable<std::vector<MemoryRecord>> Memory::recent(std::string ns, std::size_t limit) {
    auto records = co_await do_recent(std::move(ns), limit);
    co_return records;
}

boost::asio::awaitable<std::vector<Message>> Memory::load_conversation(std::string id) {
    auto messages = co_await do_load_conversation(std::move(id));
    co_return messages;
}

boost::asio::awaitable<void> Memory::append_conversation(std::string id,
                                                         std::vector<Message> messages) {
    detail::require_whole_turns(messages);
    detail::require_answer_reasoning(messages);
    if (messages.empty()) co_return;
    co_await do_append_conversation(std::move(id), std::move(messages));
}

boost::asio::awaitable<double> Memory::add_to_total(std::string name, double amount) {
    if (!std::isfinite(amount)) throw std::invalid_argument("add_to_total: the amount must be a finite number");
    const double total = co_await do_add_to_total(std::move(name), amount);
    co_return total;
}

// The RAM store does microseconds of work under a mutex: no thread hop needed.
boost::asio::awaitable<std::string> Memory::do_remember(MemoryRecord record) {
    co_return ram_->remember(std::move(record));
}
boost::asio::awaitable<std::vector<MemoryRecord>> Memory::do_recall(std::string query,
                                                                    std::string ns,
                                                                    std::size_t limit) {
    co_return ram_->recall(query, ns, limit);
}
boost::asio::awaitable<std::optional<MemoryRecord>> Memory::do_get(std::string key, std::string ns) {
    co_return ram_->get(key, ns);
}
boost::asio::awaitable<bool> Memory::do_forget(std::string key, std::string ns) {
    co_return ram_->forget(key, ns);
}
boost::asio::awaitable<std::vector<MemoryRecord>> Memory::do_recent(std::string ns,
                                                                    std::size_t limit) {
    co_return ram_->recent(ns, limit);
}
boost::asio::awaitable<std::vector<Message>> Memory::do_load_conversation(std::string id) {
    co_return ram_->load_conversation(id);
}
boost::asio::awaitable<void> Memory::do_append_conversation(std::string id,
                                                            std::vector<Message> messages) {
    ram_->append_conversation(id, std::move(messages));
    co_return;
}
boost::asio::awaitable<double> Memory::do_add_to_total(std::string name, double amount) {
    co_return ram_->add_to_total(name, amount);
}

}  // namespace agentroute
