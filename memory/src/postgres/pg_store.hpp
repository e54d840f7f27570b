#pragma once

#include "pg_pool.hpp"

#include <agentroute/memory/memory_postgres.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <functional>
#include <optional>
#include <thread>

namespace agentroute::detail {

/// The pool of a MemoryPostgres and where it runs: its own I/O thread, or a strand on the
/// caller's executor.
class PgStore {
public:
    /// Connects once and migrates (blocking), then serves from the pool.
    PgStore(const std::string& conninfo, const MemoryPostgresOptions& options);
    ~PgStore();

    /// Whether an operation may be sent again after its connection was lost.
    enum class Retry {
        safe,         // a read, or a write that repeats to the same end (remember's upsert)
        unless_sent,  // sent again only if it cannot have reached the server
    };

    /// Runs `op` with a pooled connection on the pool's executor and resumes the caller on its
    /// own executor. A lost connection is retried once per `retry`; the caller's cancellation
    /// does not cut an operation short (the timeouts bound it).
    boost::asio::awaitable<void> run(Retry retry, std::function<boost::asio::awaitable<void>(PgConnection&)> op);

private:
    boost::asio::awaitable<void> attempts(Retry retry, std::function<boost::asio::awaitable<void>(PgConnection&)>& op);

    std::optional<boost::asio::io_context> own_context_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> keep_running_;
    std::thread own_thread_;
    std::optional<PgPool> pool_;
};

}  // namespace agentroute::detail
