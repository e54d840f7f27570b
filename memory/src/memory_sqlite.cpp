#include <agentroute/memory/memory_sqlite.hpp>

#include "sqlite_store.hpp"

#include <agentroute/detail/run_blocking.hpp>

namespace agentroute {

MemorySQLite::MemorySQLite(const std::string& path, MemorySQLiteOptions options)
    : Memory(no_ram_t{}), store_(std::make_shared<detail::SqliteStore>(path, options)) {}

MemorySQLite::~MemorySQLite() = default;

const std::string& MemorySQLite::path() const noexcept { return store_->path(); }

// Each operation hops to the store's thread and back to the caller's executor.
boost::asio::awaitable<std::string> MemorySQLite::do_remember(MemoryRecord record) {
    auto work = [&] { return store_->remember(record); };
    std::string key = co_await detail::run_on(store_->executor(), std::move(work));
    co_return key;
}

boost::asio::awaitable<std::vector<MemoryRecord>> MemorySQLite::do_recall(std::string query,
                                                                          std::string ns,
                                                                          std::size_t limit) {
    auto work = [&] { return store_->recall(query, ns, limit); };
    auto records = co_await detail::run_on(store_->executor(), std::move(work));
    co_return records;
}

boost::asio::awaitable<std::optional<MemoryRecord>> MemorySQLite::do_get(std::string key,
                                                                         std::string ns) {
    auto work = [&] { return store_->get(key, ns); };
    auto record = co_await detail::run_on(store_->executor(), std::move(work));
    co_return record;
}

boost::asio::awaitable<bool> MemorySQLite::do_forget(std::string key, std::string ns) {
    auto work = [&] { return store_->forget(key, ns); };
    const bool forgotten = co_await detail::run_on(store_->executor(), std::move(work));
    co_return forgotten;
}

boost::asio::awaitable<std::vector<MemoryRecord>> MemorySQLite::do_recent(std::string ns,
                                                                          std::size_t limit) {
    auto work = [&] { return store_->recent(ns, limit); };
    auto records = co_await detail::run_on(store_->executor(), std::move(work));
    co_return records;
}

boost::asio::awaitable<std::vector<Message>> MemorySQLite::do_load_conversation(std::string id) {
    auto work = [&] { return store_->load_conversation(id); };
    auto messages = co_await detail::run_on(store_->executor(), std::move(work));
    co_return messages;
}

boost::asio::awaitable<void> MemorySQLite::do_append_conversation(std::string id,
                                                                  std::vector<Message> messages) {
    auto work = [&] { store_->append_conversation(id, messages); };
    co_await detail::run_on(store_->executor(), std::move(work));
}

}  // namespace agentroute
