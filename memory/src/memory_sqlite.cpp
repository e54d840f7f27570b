#include <agentroute/memory/memory_sqlite.hpp>

#include "sqlite_store.hpp"

#include <agentroute/detail/resume_on_caller.hpp>
#include <agentroute/detail/run_blocking.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace agentroute {
namespace {

// Resumes the waiting coroutine on its own executor once the write's transaction is done,
// and keeps that executor's run() going until then.
template <class Handler>
class ResumeOnCallersExecutor final : public detail::WriteCompletion {
public:
    explicit ResumeOnCallersExecutor(Handler handler) : resume_(std::move(handler)) {}

    // Moved, not copied: the store's thread keeps no reference to the error it hands over.
    void complete(std::exception_ptr failure) override { resume_(std::move(failure)); }

private:
    detail::ResumeOnCaller<Handler> resume_;
};

// Queues `apply` for the store's next group commit and returns its result once committed.
template <class R, class Apply>
boost::asio::awaitable<R> queued_write(detail::SqliteStore& store, Apply apply) {
    std::optional<R> out;
    auto initiate = [&](auto handler) {
        detail::QueuedWrite write;
        write.apply = [&] { out.emplace(apply()); };
        write.done = std::make_unique<ResumeOnCallersExecutor<decltype(handler)>>(std::move(handler));
        store.submit(std::move(write));
    };
    co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(std::exception_ptr)>(
        initiate, boost::asio::use_awaitable);
    co_return std::move(*out);
}

}  // namespace

MemorySQLite::MemorySQLite(const std::string& path, MemorySQLiteOptions options)
    : Memory(no_ram_t{}), store_(std::make_shared<detail::SqliteStore>(path, options)) {}

MemorySQLite::~MemorySQLite() = default;

const std::string& MemorySQLite::path() const noexcept { return store_->path(); }

// Each operation hops to the store's thread and back to the caller's executor; writes join
// the store's next group commit.
boost::asio::awaitable<std::string> MemorySQLite::do_remember(MemoryRecord record) {
    auto work = [&] { return store_->remember(record); };
    std::string key = co_await queued_write<std::string>(*store_, std::move(work));
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
    const bool forgotten = co_await queued_write<bool>(*store_, std::move(work));
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
    auto work = [&] {
        store_->append_conversation(id, messages);
        return true;
    };
    co_await queued_write<bool>(*store_, std::move(work));
}

boost::asio::awaitable<double> MemorySQLite::do_add_to_total(std::string name, double amount) {
    auto work = [&] { return store_->add_to_total(name, amount); };
    const double total = co_await queued_write<double>(*store_, std::move(work));
    co_return total;
}

}  // namespace agentroute
