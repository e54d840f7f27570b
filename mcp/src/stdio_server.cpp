// McpServer::serve_stdio: one client on a pair of pipes, newline-delimited JSON-RPC (the
// stdio transport). Lines are read on an Asio descriptor; answers from any strand go through
// one queue to the writer, so that two never interleave on the pipe.

#include "server_core.hpp"

#include <agentroute/detail/serial_executor.hpp>
#include <agentroute/errors.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>

#include <deque>
#include <mutex>

#include <unistd.h>

namespace agentroute::mcp {

namespace asio = boost::asio;
namespace json = boost::json;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

namespace {

// The pipe to the client: whole lines, in the order sent, from any thread.
class LineWriter : public detail::Sink {
public:
    explicit LineWriter(asio::posix::stream_descriptor out) : out_(std::move(out)), wake_(std::make_shared<detail::Wakeup>(out_.get_executor())) {}

    void send(std::string message) override {
        {
            const std::lock_guard lock(mutex_);
            if (closed_) return;
            message.push_back('\n');
            queue_.push_back(std::move(message));
        }
        wake_->notify();
    }
    void finish() override {}

    /// No more lines: the writer ends once it has written what is queued.
    void close() {
        {
            const std::lock_guard lock(mutex_);
            closed_ = true;
        }
        wake_->notify();
    }

    static asio::awaitable<void> write_loop(std::shared_ptr<LineWriter> self) {
        for (;;) {
            std::deque<std::string> batch;
            bool closed = false;
            {
                const std::lock_guard lock(self->mutex_);
                batch.swap(self->queue_);
                closed = self->closed_;
            }
            for (const std::string& line : batch) {
                auto [ec, n] = co_await asio::async_write(self->out_, asio::buffer(line), tuple_awaitable);
                if (ec) co_return;  // the client closed its end: nobody reads answers any more
            }
            if (batch.empty()) {
                if (closed) co_return;
                co_await self->wake_->wait();
            }
        }
    }

private:
    asio::posix::stream_descriptor out_;
    std::shared_ptr<detail::Wakeup> wake_;
    std::mutex mutex_;
    std::deque<std::string> queue_;
    bool closed_ = false;
};

asio::posix::stream_descriptor open_pipe(const asio::any_io_executor& executor, int fd, const char* which) {
    const int own = ::dup(fd);
    if (own < 0) throw ErrorConfig(std::string("MCP stdio: cannot use ") + which);
    asio::posix::stream_descriptor d(executor);
    boost::system::error_code ec;
    d.assign(own, ec);
    if (ec) {
        ::close(own);
        // epoll refuses regular files: the transport is a pipe or a socket.
        throw ErrorConfig(std::string("MCP stdio: ") + which + " is not a pipe or socket: " + ec.message());
    }
    return d;
}

}  // namespace

asio::awaitable<void> McpServer::serve_stdio(int in_fd, int out_fd) {
    const asio::any_io_executor executor = co_await asio::this_coro::executor;
    const asio::any_io_executor strand = agentroute::detail::new_strand(executor);
    asio::posix::stream_descriptor in = open_pipe(strand, in_fd, "stdin");
    auto writer = std::make_shared<LineWriter>(open_pipe(strand, out_fd, "stdout"));
    auto session = std::make_shared<detail::ServerSession>(core_->catalog, "stdio");
    asio::co_spawn(strand, LineWriter::write_loop(writer), asio::detached);

    std::string buffer;
    std::size_t scanned = 0;
    char chunk[16 * 1024];
    for (;;) {
        auto [ec, n] = co_await in.async_read_some(asio::buffer(chunk), tuple_awaitable);
        if (ec) break;  // EOF: the client is done
        buffer.append(chunk, n);
        std::size_t start = 0;
        for (std::size_t nl = buffer.find('\n', scanned); nl != std::string::npos; nl = buffer.find('\n', start)) {
            std::string_view line(buffer.data() + start, nl - start);
            start = nl + 1;
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
            boost::system::error_code pec;
            json::value message = json::parse(line, pec);
            if (pec) {
                writer->send(detail::rpc_error(nullptr, -32700, "Parse error: " + pec.message()));
            } else if (!message.is_object()) {
                writer->send(detail::rpc_error(nullptr, -32600, "a message is a JSON object (batches are not served)"));
            } else {
                session->receive(std::move(message.get_object()), writer, executor);
            }
        }
        buffer.erase(0, start);
        scanned = buffer.size();
        if (buffer.size() > core_->options.max_message_bytes) {
            writer->send(detail::rpc_error(nullptr, -32600, "a line is longer than " +
                                                                 std::to_string(core_->options.max_message_bytes) + " bytes"));
            break;
        }
    }
    session->end();
    writer->close();
}

}  // namespace agentroute::mcp
