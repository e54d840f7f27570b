#pragma once

#include <agentroute_test/temp_dir.hpp>

#include <string>

namespace agentroute::test {

/// The suite's PostgreSQL server, as a libpq connection string. The ctest fixture `postgres`
/// starts one (tests/support/postgres_server.sh) and names its folder in AGENTROUTE_TEST_PG_DIR;
/// a test binary run by hand starts its own, stopped when the process exits.
const std::string& postgres_conninfo();

/// A schema name no other test uses: each test's store starts empty in the shared server.
std::string fresh_postgres_schema();

/// A server of one test's own, for tests that restart or stop it. `also_listen_on`: addresses
/// beside 127.0.0.1 ("10.231.1.1,10.231.2.1": the multi-host test's links).
class PostgresServer {
public:
    explicit PostgresServer(const std::string& also_listen_on = {});
    ~PostgresServer();
    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;

    const std::string& conninfo() const noexcept { return conninfo_; }
    /// A fast shutdown (every session cut) and a start on the same port.
    void restart();
    void stop();

private:
    TempDir dir_;
    std::string conninfo_;
    bool running_ = false;
};

}  // namespace agentroute::test
