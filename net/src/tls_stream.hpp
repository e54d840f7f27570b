#pragma once

// A TLS client stream that lets OpenSSL read and write the socket itself, waiting on the reactor
// only when OpenSSL asks to. Included by https_connection.cpp only.
//
// Why not asio::ssl::stream: it keeps two 17 KB record buffers per stream and a BIO pair with
// two more, all allocated and touched at construction, and copies every byte through them. With
// ten thousand open connections that is ~700 MB. Here the only buffers are OpenSSL's own record
// buffers, and they exist only while a record is read or written: reads wait for readability
// before calling OpenSSL, SSL_MODE_RELEASE_BUFFERS frees them after use, `release_buffers`
// after the handshake.
//
// One read and one write at a time per stream. HTTP/1.1 writes the request, then reads the
// response; HTTP/2 reads on its strand while a writer may send from another thread
// (`write_some_now`): a mutex keeps their OpenSSL calls apart.

#include "socket_bio.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/system/error_code.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <mutex>
#include <new>
#include <string>

namespace agentroute::net::detail {

class TlsStream {
public:
    using executor_type = boost::asio::any_io_executor;
    using tcp = boost::asio::ip::tcp;
    using error_code = boost::system::error_code;

    TlsStream(const executor_type& executor, SSL_CTX* ctx) : socket_(executor), ssl_(SSL_new(ctx)) {
        if (ssl_ == nullptr) throw std::bad_alloc();
        // Asio retries a write with the same bytes but not always the same address.
        SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        SSL_set_connect_state(ssl_);
    }
    ~TlsStream() { SSL_free(ssl_); }
    TlsStream(const TlsStream&) = delete;
    TlsStream& operator=(const TlsStream&) = delete;

    executor_type get_executor() noexcept { return socket_.get_executor(); }
    tcp::socket& socket() noexcept { return socket_; }
    SSL* native_handle() noexcept { return ssl_; }

    /// Hands the connected socket to OpenSSL. Call once, after connect, before the handshake.
    error_code attach() {
        error_code ec;
        socket_.non_blocking(true, ec);
        if (ec) return ec;
        // Not SSL_set_fd: its BIO writes with write(2), and a peer gone raises SIGPIPE.
        BIO* bio = new_socket_bio(static_cast<int>(socket_.native_handle()));
        if (bio == nullptr) {
            return error_code(static_cast<int>(::ERR_get_error()), boost::asio::error::get_ssl_category());
        }
        SSL_set_bio(ssl_, bio, bio);
        return ec;
    }

    /// Ends the pending operation with operation_aborted, also when it is between two waits
    /// (a plain socket cancel would be lost there). Thread-safe; sticky until `rearm`.
    void cancel() noexcept {
        cancelled_.store(true, std::memory_order_release);
        error_code ignored;
        socket_.cancel(ignored);
    }
    void rearm() noexcept { cancelled_.store(false, std::memory_order_release); }

    /// Keeps OpenSSL's read buffer between reads. For a connection that is read all the time
    /// (HTTP/2, many streams), freeing and allocating 17 KB per read costs more than it saves.
    void keep_read_buffer() noexcept {
        keep_read_buffer_ = true;
        SSL_clear_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
    }

    void close() noexcept {
        std::lock_guard lock(ssl_mutex_);  // not while a writer's SSL_write uses the descriptor
        error_code ignored;
        socket_.close(ignored);
    }

    template <class Token>
    auto async_handshake(Token&& token) {
        return async_io([](SSL* ssl, std::size_t& n) {
            n = 0;
            return SSL_do_handshake(ssl);
        }, std::forward<Token>(token));
    }

    /// Processes incoming records without taking application data until `done()` holds
    /// (e.g. a TLS 1.3 session ticket arrived), or application data is waiting.
    template <class Done, class Token>
    auto async_read_records_until(Done done, Token&& token) {
        return async_io([done](SSL* ssl, std::size_t& n) {
            char byte = 0;
            const int ret = SSL_peek_ex(ssl, &byte, 1, &n);
            n = 0;
            return done() ? 1 : ret;
        }, std::forward<Token>(token));
    }

    /// Gives OpenSSL's record buffers (~17 KB read, ~8 KB write) back while the connection
    /// idles. SSL_MODE_RELEASE_BUFFERS does so only after application data; a connection that
    /// was just opened (preconnect) would keep them. Records already read (a session ticket
    /// that came in with the handshake) are processed first, without taking application data.
    void release_buffers() noexcept {
        std::lock_guard lock(ssl_mutex_);
        if (SSL_has_pending(ssl_) == 1) {
            char byte = 0;
            std::size_t n = 0;
            (void)SSL_peek_ex(ssl_, &byte, 1, &n);
        }
        (void)SSL_free_buffers(ssl_);  // refuses (harmlessly) while data is pending
        ::ERR_clear_error();
    }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        const boost::asio::mutable_buffer buffer = first_non_empty<boost::asio::mutable_buffer>(buffers);
        // Nothing buffered: wait until the socket is readable before asking OpenSSL. A read that
        // finds nothing leaves OpenSSL holding a 17 KB buffer for the whole wait (a model's
        // answer takes seconds), and costs a syscall that fails.
        const bool wait_first = buffer.size() != 0 && !has_pending();
        return async_io([buffer](SSL* ssl, std::size_t& n) {
            return buffer.size() == 0 ? 1 : SSL_read_ex(ssl, buffer.data(), buffer.size(), &n);
        }, std::forward<Token>(token), wait_first, /*idle_reads_free_buffers=*/!keep_read_buffer_);
    }

    /// Completes once a read would find something: a record OpenSSL already holds, or bytes (or
    /// the peer's close) on the socket. Holds no buffer and no read state while it waits.
    template <class Token>
    auto async_wait_readable(Token&& token) {
        return async_io([](SSL*, std::size_t& n) {
            n = 0;
            return 1;
        }, std::forward<Token>(token), /*wait_readable_first=*/!has_pending());
    }

    /// Writes one TLS record's worth. Several small buffers are gathered into one record and one
    /// syscall rather than a record each.
    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        const boost::asio::const_buffer first = first_non_empty<boost::asio::const_buffer>(buffers);
        std::string gathered;
        if (first.size() < max_record && boost::asio::buffer_size(buffers) > first.size()) {
            gathered.resize(std::min(boost::asio::buffer_size(buffers), max_record));
            gathered.resize(boost::asio::buffer_copy(boost::asio::buffer(gathered), buffers));
        }
        return async_io([first, gathered = std::move(gathered)](SSL* ssl, std::size_t& n) {
            const boost::asio::const_buffer buffer = gathered.empty() ? first : boost::asio::buffer(gathered);
            return buffer.size() == 0 ? 1 : SSL_write_ex(ssl, buffer.data(), buffer.size(), &n);
        }, std::forward<Token>(token));
    }

    /// Writes what the socket takes now, without waiting: the bytes written (all of `buffer` or
    /// a part), or 0 when it would have to wait or the stream failed. The rest of `buffer`,
    /// unchanged, then goes to `async_write_some`, which waits, or reports the error. Safe to
    /// call from another thread than a pending read's.
    std::size_t write_some_now(boost::asio::const_buffer buffer) noexcept {
        if (buffer.size() == 0 || cancelled_.load(std::memory_order_acquire)) return 0;
        std::lock_guard lock(ssl_mutex_);
        if (!socket_.is_open()) return 0;
        ::ERR_clear_error();
        std::size_t n = 0;
        if (SSL_write_ex(ssl_, buffer.data(), buffer.size(), &n) == 1) return n;
        ::ERR_clear_error();
        return 0;
    }

private:
    static constexpr std::size_t max_record = 16 * 1024;  // TLS plaintext record limit

    // Whether OpenSSL holds a record not read yet.
    bool has_pending() noexcept {
        std::lock_guard lock(ssl_mutex_);
        return SSL_has_pending(ssl_) == 1;
    }

    template <class Buffer, class Buffers>
    static Buffer first_non_empty(const Buffers& buffers) {
        for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
            Buffer buffer(*it);
            if (buffer.size() != 0) return buffer;
        }
        return Buffer();
    }

    // Calls `step` until it succeeds or fails for good, waiting for readiness in between. A
    // result known at once is posted, never delivered inside the initiating call.
    template <class Step>
    struct IoOp {
        TlsStream& stream;
        Step step;
        bool wait_readable_first;
        bool idle_reads_free_buffers;

        template <class Self>
        void operator()(Self& self) {
            if (wait_readable_first && !stream.cancelled_.load(std::memory_order_acquire)) {
                return wait(self, tcp::socket::wait_read);
            }
            attempt(self, /*first=*/true);
        }
        template <class Self>
        void operator()(Self& self, error_code waited) {
            if (waited) return self.complete(waited, 0);
            attempt(self, /*first=*/false);
        }
        template <class Self>
        void operator()(Self& self, error_code ec, std::size_t n) {
            self.complete(ec, n);
        }

        template <class Self>
        void attempt(Self& self, bool first) {
            if (stream.cancelled_.load(std::memory_order_acquire)) {
                return finish(self, first, boost::asio::error::operation_aborted, 0);
            }
            std::unique_lock lock(stream.ssl_mutex_);
            ::ERR_clear_error();
            errno = 0;
            std::size_t n = 0;
            const int ret = step(stream.ssl_, n);
            const int saved_errno = errno;
            const int failure = ret > 0 ? SSL_ERROR_NONE : SSL_get_error(stream.ssl_, ret);
            const bool failed = failure != SSL_ERROR_NONE && failure != SSL_ERROR_WANT_READ && failure != SSL_ERROR_WANT_WRITE;
            const unsigned long ssl_error = failed ? ::ERR_get_error() : 0;
            if (failure == SSL_ERROR_WANT_READ && idle_reads_free_buffers && SSL_has_pending(stream.ssl_) != 1) {
                // A read that took only records without data (the session ticket a server
                // sends after the handshake wakes the first read) keeps the 17 KB buffer:
                // SSL_MODE_RELEASE_BUFFERS frees it only after application data. Free it
                // for the wait, which lasts as long as the model thinks.
                (void)SSL_free_buffers(stream.ssl_);
            }
            lock.unlock();
            if (ret > 0) return finish(self, first, error_code{}, n);
            switch (failure) {
                case SSL_ERROR_WANT_READ:
                    return wait(self, tcp::socket::wait_read);
                case SSL_ERROR_WANT_WRITE:
                    return wait(self, tcp::socket::wait_write);
                case SSL_ERROR_ZERO_RETURN:  // close_notify
                    return finish(self, first, boost::asio::error::eof, 0);
                case SSL_ERROR_SYSCALL:
                    if (const unsigned long e = ssl_error; e != 0) {
                        return finish(self, first, error_code(static_cast<int>(e), boost::asio::error::get_ssl_category()), 0);
                    }
                    if (saved_errno != 0) {
                        return finish(self, first, error_code(saved_errno, boost::system::system_category()), 0);
                    }
                    // The peer closed the socket without close_notify.
                    return finish(self, first, boost::asio::ssl::error::stream_truncated, 0);
                default: {
                    const unsigned long e = ssl_error;
                    // OpenSSL 3 reports a close without close_notify this way.
                    if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
                        return finish(self, first, boost::asio::ssl::error::stream_truncated, 0);
                    }
                    return finish(self, first, error_code(static_cast<int>(e), boost::asio::error::get_ssl_category()), 0);
                }
            }
        }

        // A cancel that lands between the check in `attempt` and the wait's registration
        // would find nothing to cancel: look again once the wait is registered.
        template <class Self>
        void wait(Self& self, tcp::socket::wait_type type) {
            TlsStream& s = stream;  // `self`, and this op with it, moves into the wait
            s.socket_.async_wait(type, std::move(self));
            if (s.cancelled_.load(std::memory_order_acquire)) {
                error_code ignored;
                s.socket_.cancel(ignored);
            }
        }

        template <class Self>
        static void finish(Self& self, bool first, error_code ec, std::size_t n) {
            if (!first) return self.complete(ec, n);
            auto executor = self.get_io_executor();
            boost::asio::post(executor, boost::asio::append(std::move(self), ec, n));
        }
    };

    template <class Step, class Token>
    auto async_io(Step step, Token&& token, bool wait_readable_first = false, bool idle_reads_free_buffers = false) {
        return boost::asio::async_compose<Token, void(error_code, std::size_t)>(
            IoOp<Step>{*this, std::move(step), wait_readable_first, idle_reads_free_buffers}, token, socket_);
    }

    tcp::socket socket_;
    SSL* ssl_;
    std::mutex ssl_mutex_;  // around every OpenSSL call on `ssl_`, and the close
    std::atomic<bool> cancelled_{false};
    bool keep_read_buffer_ = false;
};

}  // namespace agentroute::net::detail
