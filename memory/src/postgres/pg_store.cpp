#include "pg_store.hpp"

#include "pg_schema.hpp"

#include <agentroute/detail/resume_on_caller.hpp>
#include <agentroute/errors.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <stdexcept>

namespace agentroute::detail {

namespace {

// The caller gets a store error of its own, built afresh here and moved to it: co_spawn's frames
// still hold the original on the pool's thread, and the reference counts of an exception and of
// its message live in libstdc++, which ThreadSanitizer cannot see, so one exception object shared
// by two threads reads as a race on its release. Other exceptions pass as they are.
std::exception_ptr handed_over(const std::exception_ptr& failure) {
    if (!failure) return nullptr;
    try {
        std::rethrow_exception(failure);
    } catch (const ErrorMemory& e) {
        return std::make_exception_ptr(ErrorMemory(std::string(e.what()), e.sqlite_code(), e.sqlstate()));
    } catch (...) {
        return failure;
    }
}

}  // namespace

PgStore::PgStore(const std::string& conninfo, const MemoryPostgresOptions& options) {
    if (!valid_schema_name(options.schema)) {
        throw std::invalid_argument("MemoryPostgres: schema \"" + options.schema +
                                    "\" must be lower-case letters, digits and '_', starting with a letter or '_'");
    }
    if (options.pool_size == 0) throw std::invalid_argument("MemoryPostgres: pool_size must be at least 1");
    migrate_postgres(conninfo, options.schema, options.connect_timeout);

    // One handler at a time: the store's own context, run by one thread, needs no strand;
    // a caller's executor (maybe a pool of threads) gets one.
    boost::asio::any_io_executor serial;
    if (options.executor) {
        serial = boost::asio::make_strand(options.executor);
    } else {
        own_context_.emplace(1);
        keep_running_.emplace(own_context_->get_executor());
        serial = own_context_->get_executor();
        own_thread_ = std::thread([this] { own_context_->run(); });
    }
    PgPoolSettings settings;
    settings.conninfo = conninfo;
    settings.setup_sql = postgres_session_setup(options.schema, options.statement_timeout);
    settings.timeouts.connect = options.connect_timeout;
    settings.timeouts.round_trip = options.statement_timeout + std::chrono::seconds(1);
    settings.size = options.pool_size;
    settings.wait = options.pool_wait;
    settings.backoff = options.reconnect_backoff;
    settings.backoff_max = options.reconnect_backoff_max;
    pool_.emplace(std::move(serial), std::move(settings));
}

PgStore::~PgStore() {
    // No operation is in flight (the Memory outlives its callers): stop the thread, then close
    // the idle connections.
    if (own_thread_.joinable()) {
        keep_running_.reset();
        own_context_->stop();
        own_thread_.join();
    }
    pool_.reset();
}

boost::asio::awaitable<void> PgStore::run(Retry retry, std::function<boost::asio::awaitable<void>(PgConnection&)> op) {
    // The caller resumes on its own executor; the completion carries no cancellation slot, which
    // keeps the caller's cancellation out (a wait cut mid-statement would leave the connection
    // unusable).
    auto initiate = [&](auto handler) {
        boost::asio::co_spawn(pool_->executor(), attempts(retry, op),
                              [resume = detail::ResumeOnCaller(std::move(handler))](std::exception_ptr e) mutable {
                                  resume(handed_over(e));
                              });
    };
    co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(std::exception_ptr)>(
        initiate, boost::asio::use_awaitable);
}

boost::asio::awaitable<void> PgStore::attempts(Retry retry, std::function<boost::asio::awaitable<void>(PgConnection&)>& op) {
    for (int attempt = 0;; ++attempt) {
        std::exception_ptr failure;
        bool again = false;
        {
            PgLease lease = co_await pool_->acquire();
            try {
                co_await op(*lease);
                co_return;
            } catch (const ErrorMemory& e) {
                failure = std::current_exception();
                const bool lost = lease->broken();
                const bool may_have_run = lease->request_may_have_run();
                again = lost && attempt == 0 && (retry == Retry::safe || !may_have_run);
                if (lost && retry == Retry::unless_sent && may_have_run) {
                    failure = std::make_exception_ptr(ErrorMemory(
                        std::string(e.what()) + " (the connection was lost after the request was sent: it may have "
                                                "been carried out, so it was not sent again)",
                        0, e.sqlstate()));
                }
            }
        }
        if (!again) std::rethrow_exception(failure);
    }
}

}  // namespace agentroute::detail
