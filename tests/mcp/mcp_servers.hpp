#pragma once

// The MCP servers the tests talk to: @modelcontextprotocol/server-everything from npm (over
// stdio, and over Streamable HTTP on loopback) and scripted_server.py (misbehaviour on demand).

#include <agentroute/mcp/mcp_client.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <future>
#include <csignal>
#include <poll.h>
#include <spawn.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace agentroute::test {

/// Runs `io` until `future` is ready (a client's readers keep the context busy for good), or
/// throws after `timeout`.
template <class Future>
void run_until_ready(boost::asio::io_context& io, Future& future, std::chrono::milliseconds timeout) {
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("did not finish within the timeout");
        io.run_one_for(std::chrono::milliseconds(50));
    }
}

inline std::string clients_dir() { return AGENTROUTE_CLIENTS_DIR; }

inline mcp::StdioServer everything_stdio() {
    return {.command = "node",
            .args = {clients_dir() + "/node_modules/@modelcontextprotocol/server-everything/dist/index.js", "stdio"}};
}

inline mcp::StdioServer scripted_stdio(const std::string& mode, const std::string& marker = {}) {
    mcp::StdioServer server{.command = "python3", .args = {AGENTROUTE_MCP_TEST_DIR "/scripted_server.py", mode}};
    if (!marker.empty()) server.args.push_back(marker);
    return server;
}

/// server-everything's Streamable HTTP transport, started for the test on 127.0.0.1 and a free
/// port, stopped when this goes.
class EverythingHttp {
public:
    EverythingHttp() {
        int out[2];
        if (::pipe(out) != 0) throw std::runtime_error("pipe");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        std::string script = clients_dir() + "/everything_on_loopback.mjs";
        char node[] = "node";
        char* argv[] = {node, script.data(), nullptr};
        const int rc = ::posix_spawnp(&pid_, "node", &actions, nullptr, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(out[1]);
        if (rc != 0) throw std::runtime_error("cannot start node");
        std::string text;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        const auto announced = [&] {
            const auto at = text.find("listening ");
            return at != std::string::npos && text.find('\n', at) != std::string::npos;
        };
        while (!announced() && std::chrono::steady_clock::now() < deadline) {
            pollfd p{out[0], POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            char buffer[256];
            const ssize_t n = ::read(out[0], buffer, sizeof buffer);
            if (n <= 0) break;
            text.append(buffer, static_cast<std::size_t>(n));
        }
        out_ = out[0];
        const auto at = text.find("listening ");
        if (at == std::string::npos) {
            stop();
            throw std::runtime_error("server-everything did not start: " + text);
        }
        port_ = std::stoi(text.substr(at + 10));
    }
    ~EverythingHttp() { stop(); }
    EverythingHttp(const EverythingHttp&) = delete;
    EverythingHttp& operator=(const EverythingHttp&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/mcp"; }
    mcp::HttpServer server() const { return {.url = url()}; }

private:
    void stop() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            ::waitpid(pid_, &status, 0);
            pid_ = -1;
        }
        if (out_ >= 0) ::close(out_);
        out_ = -1;
    }
    pid_t pid_ = -1;
    int out_ = -1;
    int port_ = 0;
};

}  // namespace agentroute::test
