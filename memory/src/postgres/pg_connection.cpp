#include "pg_connection.hpp"

#include "pg_errors.hpp"

#include <agentroute/errors.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <libpq-fe.h>

#include <array>

namespace agentroute::detail {

PgResult::PgResult(pg_result* result) noexcept : result_(result) {}
PgResult::PgResult(PgResult&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
PgResult& PgResult::operator=(PgResult&& other) noexcept {
    if (this != &other) {
        if (result_) PQclear(result_);
        result_ = std::exchange(other.result_, nullptr);
    }
    return *this;
}
PgResult::~PgResult() {
    if (result_) PQclear(result_);
}
int PgResult::rows() const noexcept { return PQntuples(result_); }
std::string PgResult::text(int row, int column) const {
    return {PQgetvalue(result_, row, column), static_cast<std::size_t>(PQgetlength(result_, row, column))};
}
long long PgResult::affected() const noexcept {
    const char* n = PQcmdTuples(result_);
    return n && *n ? std::atoll(n) : 0;
}

PgConnection::PgConnection(boost::asio::any_io_executor executor, pg_conn* conn, PgTimeouts timeouts)
    : conn_(conn), timeouts_(timeouts), socket_(executor), timer_(executor) {
    // Notices ("text-search query contains only stop words") are not the caller's business.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
}

PgConnection::~PgConnection() {
    // libpq owns the descriptor: Asio must forget it, not close it.
    if (socket_.is_open()) socket_.release();
    PQfinish(conn_);
}

boost::asio::awaitable<std::unique_ptr<PgConnection>> PgConnection::open(
    boost::asio::any_io_executor executor, const std::string& conninfo, PgTimeouts timeouts,
    const std::string& setup_sql) {
    // The caller's string is expanded in place of dbname; the name only if it sets none.
    const std::array<const char*, 3> keys{"fallback_application_name", "dbname", nullptr};
    const std::array<const char*, 3> values{"agentroute", conninfo.c_str(), nullptr};
    pg_conn* raw = PQconnectStartParams(keys.data(), values.data(), 1);
    if (raw == nullptr) throw ErrorMemory("postgres: out of memory opening a connection", 0, "53200");
    std::unique_ptr<PgConnection> connection(new PgConnection(executor, raw, timeouts));
    co_await connection->connect();
    co_await connection->simple(setup_sql);
    co_return connection;
}

void PgConnection::track_socket() {
    // Re-registered on every call: while connecting libpq may close its socket and open
    // another under the same number, which the reactor would not notice.
    if (socket_.is_open()) socket_.release();
    tracked_fd_ = PQsocket(conn_);
    if (tracked_fd_ >= 0) socket_.assign(tracked_fd_);
}

void PgConnection::fail_connection(const std::string& doing) {
    broken_ = true;
    throw ErrorMemory("postgres: " + doing + ": " + connection_message(conn_), 0, "08006");
}

boost::asio::awaitable<void> PgConnection::wait(Wait what, std::chrono::steady_clock::time_point deadline) {
    using namespace boost::asio::experimental::awaitable_operators;
    if (tracked_fd_ < 0) fail_connection("waiting");
    timer_.expires_at(deadline);
    const auto kind = what == Wait::read ? boost::asio::posix::stream_descriptor::wait_read
                                         : boost::asio::posix::stream_descriptor::wait_write;
    auto first = co_await (socket_.async_wait(kind, boost::asio::use_awaitable) ||
                           timer_.async_wait(boost::asio::use_awaitable));
    if (first.index() == 1) {
        broken_ = true;  // the server may still be working on it: this connection is done
        throw ErrorMemory("postgres: no answer from the server within " +
                          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             timeouts_.round_trip).count()) +
                          " ms (is it overloaded, stopped or unreachable?)");
    }
}

boost::asio::awaitable<void> PgConnection::connect() {
    deadline_ = std::chrono::steady_clock::now() + timeouts_.connect;
    if (PQstatus(conn_) == CONNECTION_BAD) fail_connection("connecting");
    // libpq's protocol: start as if PGRES_POLLING_WRITING had been returned.
    PostgresPollingStatusType poll = PGRES_POLLING_WRITING;
    while (poll != PGRES_POLLING_OK) {
        if (poll == PGRES_POLLING_FAILED) fail_connection("connecting");
        track_socket();
        try {
            co_await wait(poll == PGRES_POLLING_READING ? Wait::read : Wait::write, deadline_);
        } catch (const ErrorMemory&) {
            throw ErrorMemory("postgres: connecting: no answer within " +
                                  std::to_string(timeouts_.connect.count()) + " ms",
                              0, "08001");
        }
        poll = PQconnectPoll(conn_);
    }
    track_socket();
    if (PQsetnonblocking(conn_, 1) != 0) fail_connection("setting the connection non-blocking");
}

boost::asio::awaitable<void> PgConnection::flush() {
    for (;;) {
        const int pending = PQflush(conn_);
        if (pending == 0) co_return;
        if (pending < 0) fail_connection("sending");
        co_await wait(Wait::write, deadline_);
    }
}

boost::asio::awaitable<std::vector<PgResult>> PgConnection::collect() {
    std::vector<PgResult> results;
    for (;;) {
        while (PQisBusy(conn_)) {
            co_await wait(Wait::read, deadline_);
            if (PQconsumeInput(conn_) == 0) fail_connection("reading");
        }
        pg_result* next = PQgetResult(conn_);
        if (next == nullptr) break;
        results.emplace_back(next);
    }
    // Every result is read before any error is thrown, so the connection stays usable.
    for (const PgResult& r : results) {
        if (std::string error = result_error(r.get()); !error.empty()) {
            if (PQstatus(conn_) == CONNECTION_BAD || connection_lost(r.get())) broken_ = true;
            throw ErrorMemory("postgres: " + error, 0, sqlstate_of(r.get()));
        }
    }
    if (PQstatus(conn_) == CONNECTION_BAD) fail_connection("reading");
    co_return results;
}

bool PgConnection::alive() {
    // An idle connection has nothing to read; a server that restarted sent a FATAL and closed.
    if (broken_ || PQstatus(conn_) == CONNECTION_BAD) return false;
    if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) == CONNECTION_BAD) return false;
    if (PQisBusy(conn_) == 0) {
        if (pg_result* stray = PQgetResult(conn_)) {  // a FATAL: the session ended
            PQclear(stray);
            return false;
        }
    }
    return true;
}

boost::asio::awaitable<PgResult> PgConnection::prepared(const char* name, std::span<const std::string> params) {
    sent_ = false;
    deadline_ = std::chrono::steady_clock::now() + timeouts_.round_trip;
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const std::string& p : params) values.push_back(p.c_str());
    if (PQsendQueryPrepared(conn_, name, static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0) == 0) {
        fail_connection("sending");
    }
    sent_ = true;  // queued: from here it may reach the server and run
    co_await flush();
    std::vector<PgResult> results = co_await collect();
    if (results.size() != 1) throw ErrorMemory("postgres: expected one result, got " + std::to_string(results.size()));
    co_return std::move(results.front());
}

boost::asio::awaitable<void> PgConnection::simple(const std::string& sql) {
    sent_ = false;
    deadline_ = std::chrono::steady_clock::now() + timeouts_.round_trip;
    if (PQsendQuery(conn_, sql.c_str()) == 0) fail_connection("sending");
    sent_ = true;
    co_await flush();
    co_await collect();
}

}  // namespace agentroute::detail
