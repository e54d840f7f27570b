#include "stdio_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <string_view>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace agentroute::mcp::detail {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct Pipe {
    int read = -1;
    int write = -1;
};

// The child's stdin is one end of a socket pair, as libuv gives children theirs: writes to a
// child that died then fail with EPIPE (Asio sends with MSG_NOSIGNAL) instead of raising
// SIGPIPE, which would end the whole program.
Pipe make_stdin_pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        throw ErrorMcp(std::string("MCP stdio: socketpair: ") + std::strerror(errno));
    }
    return {fds[0], fds[1]};  // the child reads fds[0]; we write fds[1]
}

Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw ErrorMcp(std::string("MCP stdio: pipe: ") + std::strerror(errno));
    return {fds[0], fds[1]};
}

std::string exit_text(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
    return "stopped";
}

// The last bytes of the children's stderr, read from any thread.
struct LogTail {
    explicit LogTail(std::size_t limit) : limit(limit) {}
    void append(std::string_view bytes) {
        std::lock_guard lock(mutex);
        text.append(bytes);
        if (text.size() > limit) text.erase(0, text.size() - limit);
    }
    std::string read() const {
        std::lock_guard lock(mutex);
        return text;
    }
    const std::size_t limit;
    mutable std::mutex mutex;
    std::string text;
};

// One started server: its pipes and process. Outlives its readers (they hold it).
struct Child {
    explicit Child(const Strand& strand) : in(strand), out(strand), err(strand) {}
    ~Child() {
        if (pid > 0 && !reaped) {
            ::kill(pid, SIGKILL);
            int status = 0;
            ::waitpid(pid, &status, 0);  // prompt after SIGKILL
        }
    }
    asio::local::stream_protocol::socket in;
    asio::posix::stream_descriptor out, err;
    pid_t pid = -1;
    bool reaped = false;
    int status = 0;
    bool lost = false;
    std::deque<std::string> queue;
    bool writing = false;

    bool try_reap() {
        if (reaped || pid <= 0) return reaped;
        if (::waitpid(pid, &status, WNOHANG) == pid) reaped = true;
        return reaped;
    }
};

class StdioTransport final : public Transport {
public:
    StdioTransport(Strand strand, StdioServer server, std::size_t max_message_bytes, std::chrono::milliseconds stop_timeout)
        : strand_(std::move(strand)),
          server_(std::move(server)),
          max_message_bytes_(max_message_bytes),
          stop_timeout_(stop_timeout),
          log_(std::make_shared<LogTail>(server_.log_tail_bytes)) {}

    // Readers still pending find `alive_` false and touch nothing of this object again.
    ~StdioTransport() override { *alive_ = false; }

    asio::awaitable<void> open(OnMessage on_message, OnLost on_lost) override {
        on_message_ = std::move(on_message);
        on_lost_ = std::move(on_lost);
        child_ = spawn();
        asio::co_spawn(strand_, read_messages(child_, alive_), asio::detached);
        asio::co_spawn(strand_, read_log(child_, log_), asio::detached);
        co_return;
    }

    asio::awaitable<void> send(const Outgoing& message) override {
        std::shared_ptr<Child> child = child_;
        if (!child || child->lost) throw SessionLost("the MCP server is not running", false);
        std::string line(message.body);
        line.push_back('\n');
        child->queue.push_back(std::move(line));
        if (!child->writing) {
            child->writing = true;
            asio::co_spawn(strand_, write_queue(child, alive_), asio::detached);
        }
        co_return;
    }

    asio::awaitable<void> shutdown() override {
        std::shared_ptr<Child> child = std::move(child_);
        if (!child) co_return;
        child->lost = true;
        boost::system::error_code ignored;
        child->in.close(ignored);  // a well-behaved server exits when its stdin closes
        if (!co_await wait_for_exit(*child, stop_timeout_)) {
            ::kill(child->pid, SIGTERM);
            if (!co_await wait_for_exit(*child, stop_timeout_)) {
                ::kill(child->pid, SIGKILL);
                co_await wait_for_exit(*child, 5s);
            }
        }
        child->out.close(ignored);
        child->err.close(ignored);
    }

    std::string log() const override { return log_->read(); }

private:
    std::shared_ptr<Child> spawn() {
        auto child = std::make_shared<Child>(strand_);
        Pipe in = make_stdin_pair(), out = make_pipe(), err = make_pipe();
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, in.read, 0);
        posix_spawn_file_actions_adddup2(&actions, out.write, 1);
        posix_spawn_file_actions_adddup2(&actions, err.write, 2);
        if (!server_.working_directory.empty()) {
            posix_spawn_file_actions_addchdir_np(&actions, server_.working_directory.c_str());
        }
        std::vector<std::string> argv_text{server_.command};
        argv_text.insert(argv_text.end(), server_.args.begin(), server_.args.end());
        std::vector<char*> argv;
        for (std::string& a : argv_text) argv.push_back(a.data());
        argv.push_back(nullptr);
        std::vector<std::string> env_text;
        for (char** e = environ; *e; ++e) {
            const std::string_view entry(*e);
            const auto name = entry.substr(0, entry.find('='));
            bool replaced = false;
            for (const auto& [key, value] : server_.env) replaced = replaced || key == name;
            if (!replaced) env_text.emplace_back(entry);
        }
        for (const auto& [key, value] : server_.env) env_text.push_back(key + "=" + value);
        std::vector<char*> envp;
        for (std::string& e : env_text) envp.push_back(e.data());
        envp.push_back(nullptr);
        pid_t pid = -1;
        const int rc = ::posix_spawnp(&pid, server_.command.c_str(), &actions, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        ::close(in.read);
        ::close(out.write);
        ::close(err.write);
        if (rc != 0) {
            ::close(in.write);
            ::close(out.read);
            ::close(err.read);
            throw ErrorMcp("MCP stdio: cannot start '" + server_.command + "': " + std::strerror(rc));
        }
        child->pid = pid;
        child->in.assign(asio::local::stream_protocol(), in.write);
        child->out.assign(out.read);
        child->err.assign(err.read);
        return child;
    }

    asio::awaitable<void> write_queue(std::shared_ptr<Child> child, std::shared_ptr<std::atomic<bool>> alive) {
        while (!child->queue.empty() && !child->lost) {
            std::string line = std::move(child->queue.front());
            child->queue.pop_front();
            auto [ec, n] = co_await asio::async_write(child->in, asio::buffer(line), use_tuple);
            if (!*alive) co_return;
            if (ec) {
                lose(child, "writing to the MCP server failed: " + ec.message());
                break;
            }
        }
        child->writing = false;
    }

    asio::awaitable<void> read_messages(std::shared_ptr<Child> child, std::shared_ptr<std::atomic<bool>> alive) {
        std::string buffer;
        const std::size_t max_message_bytes = max_message_bytes_;
        for (;;) {
            auto [ec, n] = co_await asio::async_read_until(child->out, asio::dynamic_buffer(buffer, max_message_bytes), '\n', use_tuple);
            if (!*alive) co_return;
            if (ec == asio::error::not_found) {
                lose(child, "the MCP server sent a message longer than " + std::to_string(max_message_bytes_) +
                                " bytes (McpClientOptions::max_message_bytes); it was stopped");
                co_return;
            }
            if (ec) {
                co_await reap_briefly(*child);
                if (!*alive) co_return;
                lose(child, child->reaped ? "the MCP server " + exit_text(child->status) : "the MCP server closed its stdout");
                co_return;
            }
            std::string_view line(buffer.data(), n - 1);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (!line.empty()) {
                boost::system::error_code parse_error;
                boost::json::value message = boost::json::parse(line, parse_error);
                if (parse_error) {
                    lose(child, "the MCP server wrote a line that is not JSON-RPC (" + parse_error.message() + "): " +
                                    std::string(line.substr(0, 200)));
                    co_return;
                }
                if (child != child_) co_return;  // a newer child took over
                on_message_(std::move(message));
                if (!*alive) co_return;
            }
            buffer.erase(0, n);
        }
    }

    static asio::awaitable<void> read_log(std::shared_ptr<Child> child, std::shared_ptr<LogTail> log) {
        char chunk[4096];
        for (;;) {
            auto [ec, n] = co_await child->err.async_read_some(asio::buffer(chunk), use_tuple);
            if (ec) co_return;
            log->append(std::string_view(chunk, n));
        }
    }

    // The child is gone or misbehaved: it is stopped, and what waits on it fails.
    void lose(const std::shared_ptr<Child>& child, const std::string& why) {
        if (child->lost) return;
        child->lost = true;
        if (!child->try_reap()) ::kill(child->pid, SIGKILL);
        boost::system::error_code ignored;
        child->in.close(ignored);
        if (child == child_ && on_lost_) on_lost_(why);
    }

    asio::awaitable<void> reap_briefly(Child& child) {
        co_await wait_for_exit(child, 500ms);
    }

    asio::awaitable<bool> wait_for_exit(Child& child, std::chrono::milliseconds within) {
        asio::steady_timer timer(strand_);
        const auto until = std::chrono::steady_clock::now() + within;
        while (!child.try_reap()) {
            if (std::chrono::steady_clock::now() >= until) co_return false;
            timer.expires_after(10ms);
            co_await timer.async_wait(use_tuple);
        }
        co_return true;
    }

    Strand strand_;
    StdioServer server_;
    std::size_t max_message_bytes_;
    std::chrono::milliseconds stop_timeout_;
    OnMessage on_message_;
    OnLost on_lost_;
    std::shared_ptr<LogTail> log_;
    std::shared_ptr<Child> child_;
    std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
};

}  // namespace

std::unique_ptr<Transport> make_stdio_transport(Strand strand, StdioServer server, std::size_t max_message_bytes,
                                                std::chrono::milliseconds stop_timeout) {
    return std::make_unique<StdioTransport>(std::move(strand), std::move(server), max_message_bytes, stop_timeout);
}

}  // namespace agentroute::mcp::detail
