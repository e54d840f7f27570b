#include <agentroute_test/postgres.hpp>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <unistd.h>

namespace agentroute::test {
namespace {

void script(const std::string& command, const std::string& dir, const std::string& listen = {}) {
    const std::string env = listen.empty() ? std::string() : "AGENTROUTE_PG_LISTEN='" + listen + "' ";
    const std::string line = env + "'" + AGENTROUTE_TEST_PG_SCRIPT + "' " + command + " '" + dir + "'";
    if (std::system(line.c_str()) != 0) throw std::runtime_error("postgres test server: `" + line + "` failed");
}

std::string read_conninfo(const std::string& dir) {
    std::ifstream in(dir + "/conninfo");
    std::string conninfo;
    std::getline(in, conninfo);
    if (conninfo.empty()) throw std::runtime_error("postgres test server: no conninfo in " + dir);
    return conninfo;
}

}  // namespace

const std::string& postgres_conninfo() {
    static const std::string conninfo = [] {
        if (const char* dir = std::getenv("AGENTROUTE_TEST_PG_DIR"); dir && *dir) return read_conninfo(dir);
        static PostgresServer own;  // run by hand: a server of this process's own
        return own.conninfo();
    }();
    return conninfo;
}

std::string fresh_postgres_schema() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    return "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + std::to_string(rd() % 100000);
}

PostgresServer::PostgresServer(const std::string& also_listen_on) {
    script("start", dir_.path().string(), also_listen_on);
    running_ = true;
    conninfo_ = read_conninfo(dir_.path().string());
}

PostgresServer::~PostgresServer() {
    try {
        stop();
    } catch (...) {
    }
}

void PostgresServer::restart() { script("restart", dir_.path().string()); }

void PostgresServer::stop() {
    if (!running_) return;
    running_ = false;
    script("stop", dir_.path().string());
}

}  // namespace agentroute::test
