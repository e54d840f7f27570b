#include "h2_connection.hpp"

#include "control_frame_budget.hpp"
#include "deadlines.hpp"
#include "net_error.hpp"
#include "tls_stream.hpp"
#include "wait_list.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/container/small_vector.hpp>
#include <boost/intrusive/list.hpp>

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <charconv>
#include <exception>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

namespace agentroute::net::detail {

namespace asio = boost::asio;
using boost::system::error_code;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

namespace {

// Beyond this many streams on one connection, a new connection is opened even if the server
// allows more: one connection's flow-control window and one socket's bandwidth are shared by
// all its streams.
constexpr std::uint32_t stream_cap = 1024;
// The connection-level receive window: many streams' answers in flight at once.
constexpr std::int32_t connection_window = 16 * 1024 * 1024;
constexpr std::size_t read_chunk = 16 * 1024;
constexpr std::size_t write_batch = 64 * 1024;
// Queued bytes that the exchange queueing them sends itself, at once, rather than leave to the
// writer posted behind whatever else is queued: when ten thousand runs start together, that
// writer runs only once all of them have built their requests, and the server idles meanwhile.
constexpr std::size_t eager_write = 16 * 1024;

}  // namespace

// One request/response on the connection. Its fields are guarded by the connection's mutex.
// Open, it is linked in the connection's list and is nghttp2's user data for its stream id.
struct OpenStreamsTag;
using OpenStreamHook = boost::intrusive::list_base_hook<boost::intrusive::tag<OpenStreamsTag>>;
struct H2Stream : Watched, OpenStreamHook {
    std::weak_ptr<H2Connection::Impl> owner;
    const BodySink* sink = nullptr;
    HttpRequest* request = nullptr;  // its body is sent from here, then released (the caller keeps it)
    std::size_t sent = 0;
    std::size_t max_bytes = 0;
    std::size_t received = 0;
    std::chrono::steady_clock::duration idle_timeout{};
    std::int32_t id = -1;
    HttpHead head;
    bool head_done = false;
    bool started = false;  // a response byte arrived
    bool closed = false;
    error_code ec;
    std::exception_ptr sink_error;
    WaitList waiters;

    void expire() noexcept override;
};

struct H2Connection::Impl : std::enable_shared_from_this<H2Connection::Impl> {
    Impl(std::unique_ptr<HttpsConnection> connection, const Endpoint& target)
        : tls(std::move(connection)),
          strand(asio::make_strand(tls->stream().get_executor())),
          authority(target.port == "443" ? target.host : target.host + ":" + target.port),
          deadlines(Deadlines::of(tls->stream().get_executor())) {
        tls->stream().keep_read_buffer();
    }
    ~Impl() {
        if (session != nullptr) nghttp2_session_del(session);
    }

    std::unique_ptr<HttpsConnection> tls;
    asio::strand<asio::any_io_executor> strand;
    std::string authority;
    Deadlines& deadlines;

    mutable std::mutex mutex;
    nghttp2_session* session = nullptr;
    // The open streams (each owned by its exchange, which ends it before it goes). A stream is
    // found by id through nghttp2's user data: no map, and no allocation per request.
    boost::intrusive::list<H2Stream, boost::intrusive::base_hook<OpenStreamHook>,
                           boost::intrusive::constant_time_size<false>>
        streams;
    std::size_t reserved = 0;
    bool usable = true;
    // One writer at a time, on whichever thread: `flushing` while one sends synchronously,
    // `writing` while its rest waits for the socket (`write_rest`). Either sends what others
    // queue meanwhile.
    bool flushing = false;
    bool writing = false;
    bool flush_posted = false;
    std::size_t unsent = 0;  // bytes queued since the last flush (roughly: bodies and fields)
    std::string out;         // the writer's bytes; only the writer touches it
    bool settings_received = false;  // the server's first SETTINGS (its stream limit)
    ControlFrameBudget control_frames;  // SETTINGS and PING from the server, per second
    bool goaway_sent = false;           // a GOAWAY of ours with an error code went out
    WaitList settings_waiters;
    // The reader runs only while exchanges are open: a read pending on an idle connection
    // would keep the io_context from running out of work (and run_sync from returning). Frames
    // the server sends meanwhile (GOAWAY, PING) wait in the socket for the next exchange.
    bool reading = false;
    asio::cancellation_signal park;  // used on the strand only
    std::chrono::steady_clock::time_point idle_since = std::chrono::steady_clock::now();

    H2Stream* find(std::int32_t id) const {
        return static_cast<H2Stream*>(nghttp2_session_get_stream_user_data(session, id));
    }
    // With the lock held. The stream is no longer found, even while nghttp2 still holds it.
    void forget_locked(H2Stream& stream) {
        if (!stream.OpenStreamHook::is_linked()) return;
        streams.erase(streams.iterator_to(stream));
        (void)nghttp2_session_set_stream_user_data(session, stream.id, nullptr);  // fails once it is gone: fine
    }

    // Ends every open stream with `ec` and takes no more; with the lock held.
    void fail_all_locked(error_code ec) {
        usable = false;
        wake_all(settings_waiters);
        while (!streams.empty()) {
            H2Stream& stream = streams.front();
            end_locked(stream, ec);
            forget_locked(stream);
        }
    }
    void fail_all(error_code ec) {
        std::lock_guard lock(mutex);
        fail_all_locked(ec);
    }

    // Ends one stream (with the lock held) and wakes its exchange; the first error stays.
    static void end_locked(H2Stream& stream, error_code ec) {
        stream.closed = true;
        if (!stream.ec) stream.ec = ec;
        wake_all(stream.waiters);
    }
    void close_stream_locked(H2Stream& stream, error_code ec) {
        end_locked(stream, ec);
        forget_locked(stream);
    }

    // Streams the server allows at once (100 until its SETTINGS arrive), capped.
    std::size_t allowed_streams_locked() const {
        return std::min(nghttp2_session_get_remote_settings(session, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS),
                        stream_cap);
    }

    error_code submit(const HttpRequest& request, const std::shared_ptr<H2Stream>& stream);
    void finish(H2Stream& stream);
    // Has what nghttp2 queued sent after the caller's turn (posted).
    void kick_writer();
    // The same, after queueing `bytes` more; at once when that makes `eager_write`.
    void send_soon(std::size_t bytes);
    void start_reader();
    // With the lock held: gives a slot back; the last one parks the reader.
    void release_slot_locked();
    asio::awaitable<void> read_loop();
    // Sends what nghttp2 queued, on the calling thread, while the socket takes it; when it is
    // full, `write_rest` waits for it and flushes again. Returns at once if a writer is active.
    // However much other threads queue meanwhile, one call sends at most a socket buffer's worth.
    void flush();
    asio::awaitable<void> write_rest();
};

void H2Stream::expire() noexcept {
    if (auto connection = owner.lock()) {
        std::lock_guard lock(connection->mutex);
        wake_all(waiters);
    }
}

namespace {

H2Connection::Impl& impl_of(void* user_data) { return *static_cast<H2Connection::Impl*>(user_data); }

int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name, std::size_t name_size,
              const std::uint8_t* value, std::size_t value_size, std::uint8_t, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_RESPONSE) return 0;  // trailers
    H2Stream* stream = impl_of(user_data).find(frame->hd.stream_id);
    if (stream == nullptr) return 0;
    const std::string_view n(reinterpret_cast<const char*>(name), name_size);
    const std::string_view v(reinterpret_cast<const char*>(value), value_size);
    if (n == ":status") {
        int status = 0;
        std::from_chars(v.data(), v.data() + v.size(), status);
        stream->head.status = status;
        stream->head.headers.clear();  // after an interim 1xx answer
        stream->head.headers.reserve(8);
    } else {
        stream->head.headers.emplace_back(std::string(n), std::string(v));  // h2 names are lower case
    }
    return 0;
}

int on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* user_data) {
    H2Connection::Impl& c = impl_of(user_data);
    const bool control = (frame->hd.type == NGHTTP2_SETTINGS || frame->hd.type == NGHTTP2_PING) &&
                         (frame->hd.flags & NGHTTP2_FLAG_ACK) == 0;
    if (control && c.control_frames.flooded(std::chrono::steady_clock::now())) {
        // Each one asks for an ACK: a flood of them is a server keeping us busy for nothing.
        // GOAWAY(ENHANCE_YOUR_CALM); the read loop then fails the connection's streams.
        nghttp2_session_terminate_session(session, NGHTTP2_ENHANCE_YOUR_CALM);
        return 0;
    }
    if (frame->hd.type == NGHTTP2_GOAWAY) {
        // Streams above last_stream_id are closed as refused by nghttp2; the rest finish.
        c.usable = false;
        wake_all(c.settings_waiters);
        return 0;
    }
    if (frame->hd.type == NGHTTP2_SETTINGS && (frame->hd.flags & NGHTTP2_FLAG_ACK) == 0) {
        c.settings_received = true;
        wake_all(c.settings_waiters);
        return 0;
    }
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_RESPONSE) return 0;
    H2Stream* stream = c.find(frame->hd.stream_id);
    if (stream == nullptr || stream->head.status < 200) return 0;
    stream->head_done = true;
    stream->started = true;
    wake_all(stream->waiters);
    return 0;
}

int on_data_chunk(nghttp2_session* session, std::uint8_t, std::int32_t stream_id, const std::uint8_t* data,
                  std::size_t size, void* user_data) {
    H2Connection::Impl& c = impl_of(user_data);
    H2Stream* stream = c.find(stream_id);
    if (stream == nullptr) return 0;  // abandoned by its exchange
    stream->started = true;
    stream->received += size;
    if (stream->received > stream->max_bytes) {
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
        c.close_stream_locked(*stream, make_error_code(error::response_too_large));
        return 0;
    }
    try {
        if ((*stream->sink)(std::string_view(reinterpret_cast<const char*>(data), size))) {
            stream->extend(stream->idle_timeout);
        }
    } catch (...) {
        // The exchange rethrows it; the server stops sending.
        stream->sink_error = std::current_exception();
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
        c.close_stream_locked(*stream, make_error_code(error::stream_reset));
    }
    return 0;
}

// A GOAWAY of ours with an error code: nghttp2 ended the session for the server's error (a
// flow-control window past 2^31-1, a malformed frame) or we did (a flood). Its streams fail now,
// as a protocol error, not as refused streams to send again (the server may be processing them)
// nor when their timers run out; the connection closes once the GOAWAY is out.
int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type != NGHTTP2_GOAWAY || frame->goaway.error_code == NGHTTP2_NO_ERROR) return 0;
    H2Connection::Impl& c = impl_of(user_data);
    c.goaway_sent = true;
    c.fail_all_locked(make_error_code(error::http2_protocol));
    return 0;
}

int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t h2_error, void* user_data) {
    H2Connection::Impl& c = impl_of(user_data);
    H2Stream* stream = c.find(stream_id);
    if (stream == nullptr) return 0;
    error_code ec;
    if (h2_error == NGHTTP2_REFUSED_STREAM) {
        ec = make_error_code(error::stream_refused);
    } else if (h2_error != NGHTTP2_NO_ERROR) {
        ec = make_error_code(error::stream_reset);
    } else if (!stream->head_done) {
        ec = make_error_code(error::http2_protocol);  // ended without a response
    }
    c.close_stream_locked(*stream, ec);
    return 0;
}

ssize_t read_body(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buffer, std::size_t length,
                  std::uint32_t* flags, nghttp2_data_source*, void* user_data) {
    H2Stream* stream = impl_of(user_data).find(stream_id);
    if (stream == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // abandoned: reset it
    HttpRequest& request = *stream->request;
    const std::size_t n = std::min(length, request.body.size() - stream->sent);
    std::copy_n(request.body.data() + stream->sent, n, buffer);
    stream->sent += n;
    if (stream->sent == request.body.size()) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        request.release_body();  // copied into the frames: not held while the answer is awaited
    }
    return static_cast<ssize_t>(n);
}

const nghttp2_session_callbacks* callbacks() {
    static nghttp2_session_callbacks* const instance = [] {
        nghttp2_session_callbacks* cbs = nullptr;
        nghttp2_session_callbacks_new(&cbs);
        nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
        nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
        nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_frame_send);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
        nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
        return cbs;
    }();
    return instance;
}

bool forbidden_in_h2(std::string_view lower_name) {  // RFC 9113 8.2.2
    return lower_name == "host" || lower_name == "connection" || lower_name == "keep-alive" ||
           lower_name == "transfer-encoding" || lower_name == "upgrade" || lower_name == "proxy-connection" ||
           lower_name == "content-length";
}

// A value no later request repeats (a call's own span, `traceparent`): kept out of HPACK's
// dynamic table, where it would only push out the fields every request does repeat (the key,
// the content type), which would then go out in full again.
bool changes_every_request(std::string_view lower_name) { return lower_name == "traceparent"; }

nghttp2_nv header(std::string_view name, std::string_view value) {
    return nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                      reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
                      changes_every_request(name) ? std::uint8_t{NGHTTP2_NV_FLAG_NO_INDEX} : std::uint8_t{NGHTTP2_NV_FLAG_NONE}};
}

}  // namespace

error_code H2Connection::Impl::submit(const HttpRequest& request, const std::shared_ptr<H2Stream>& stream) {
    const std::string length = std::to_string(request.body.size());
    boost::container::small_vector<nghttp2_nv, 16> nva;  // on the stack for a model's few headers
    nva.push_back(header(":method", request.method));
    nva.push_back(header(":scheme", "https"));
    nva.push_back(header(":authority", authority));
    nva.push_back(header(":path", request.target));
    if (request.method != "GET") nva.push_back(header("content-length", length));
    // The "name: value\r\n" lines (names already lower case, see append_header), minus the
    // fields that are connection-specific in HTTP/1.1. Views into the fields: no copies.
    for (std::string_view fields = request.fields; !fields.empty();) {
        const std::size_t end = fields.find("\r\n");
        const std::string_view line = fields.substr(0, end);
        fields.remove_prefix(end == std::string_view::npos ? fields.size() : end + 2);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || forbidden_in_h2(line.substr(0, colon))) continue;
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        nva.push_back(header(line.substr(0, colon), value));
    }

    nghttp2_data_provider body{};
    body.read_callback = read_body;

    std::lock_guard lock(mutex);
    if (!usable) return make_error_code(error::stream_refused);
    const std::int32_t id = nghttp2_submit_request(session, nullptr, nva.data(), nva.size(),
                                                   request.method == "GET" ? nullptr : &body, stream.get());
    if (id < 0) return make_error_code(error::stream_refused);  // stream ids exhausted
    stream->id = id;
    streams.push_back(*stream);
    return {};
}

void H2Connection::Impl::finish(H2Stream& stream) {
    {
        std::lock_guard lock(mutex);
        if (!stream.closed && stream.id > 0) {
            // Abandoned (a timeout, an error, cancellation): the server can stop.
            nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream.id, NGHTTP2_CANCEL);
            forget_locked(stream);
            stream.closed = true;
        }
        release_slot_locked();
    }
    kick_writer();
}

void H2Connection::Impl::release_slot_locked() {
    if (--reserved != 0) return;
    idle_since = std::chrono::steady_clock::now();
    asio::post(strand, [self = shared_from_this()] {
        bool idle = false;
        {
            std::lock_guard lock(self->mutex);
            idle = self->reserved == 0 && self->reading;
        }
        if (idle) self->park.emit(asio::cancellation_type::terminal);
    });
}

void H2Connection::Impl::start_reader() {
    {
        std::lock_guard lock(mutex);
        if (reading) return;
        reading = true;
    }
    asio::co_spawn(strand, [self = shared_from_this()] { return self->read_loop(); }, asio::detached);
}

void H2Connection::Impl::kick_writer() {
    {
        std::lock_guard lock(mutex);
        if (flushing || writing || flush_posted || session == nullptr || nghttp2_session_want_write(session) == 0) return;
        flush_posted = true;
    }
    asio::post(tls->stream().get_executor(), [self = shared_from_this()] { self->flush(); });
}

void H2Connection::Impl::send_soon(std::size_t bytes) {
    bool now = false;
    {
        std::lock_guard lock(mutex);
        unsent += bytes;
        now = unsent >= eager_write && !flushing && !writing;
    }
    if (now) {
        flush();
    } else {
        kick_writer();
    }
}

void H2Connection::Impl::flush() {
    {
        std::lock_guard lock(mutex);
        flush_posted = false;
        if (flushing || writing) return;
        flushing = true;
    }
    for (;;) {
        {
            std::lock_guard lock(mutex);
            unsent = 0;
            out.clear();
            while (out.size() < write_batch) {
                const std::uint8_t* data = nullptr;
                const ssize_t n = nghttp2_session_mem_send(session, &data);
                if (n < 0) {
                    fail_all_locked(make_error_code(error::http2_protocol));
                    break;
                }
                if (n == 0) break;
                out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
            }
            if (out.empty()) {
                flushing = false;
                if (out.capacity() > eager_write) std::string().swap(out);  // a burst's buffer
                // Our GOAWAY is out: the pending read ends, and the connection with it.
                if (goaway_sent) tls->stream().close();
                return;
            }
        }
        std::size_t written = 0;
        while (written < out.size()) {
            const std::size_t n = tls->stream().write_some_now(asio::buffer(out.data() + written, out.size() - written));
            if (n == 0) break;
            written += n;
        }
        if (written == out.size()) continue;  // what was queued meanwhile goes too
        out.erase(0, written);
        {
            std::lock_guard lock(mutex);
            flushing = false;
            writing = true;
        }
        asio::co_spawn(strand, [self = shared_from_this()] { return self->write_rest(); }, asio::detached);
        return;
    }
}

asio::awaitable<void> H2Connection::Impl::write_rest() {
    auto [ec, written] = co_await asio::async_write(tls->stream(), asio::buffer(out), tuple_awaitable);
    {
        std::lock_guard lock(mutex);
        writing = false;
        if (ec) {
            fail_all_locked(ec);
            co_return;
        }
    }
    flush();
}

asio::awaitable<void> H2Connection::Impl::read_loop() {
    const std::unique_ptr<std::uint8_t[]> buffer(new std::uint8_t[read_chunk]);
    auto parked = [this] {
        std::lock_guard lock(mutex);
        if (reserved != 0 || !usable) return false;
        reading = false;
        return true;
    };
    for (;;) {
        if (parked()) co_return;
        auto [ec, n] = co_await tls->stream().async_read_some(asio::buffer(buffer.get(), read_chunk),
                                                              asio::bind_cancellation_slot(park.slot(), tuple_awaitable));
        if (ec == asio::error::operation_aborted) {
            // Parked while idle, or a new exchange came in between the park and now: read on.
            std::unique_lock lock(mutex);
            if (usable) {
                if (reserved != 0) continue;
                reading = false;
                co_return;
            }
        }
        if (ec) {
            fail_all(ec);
            tls->stream().close();
            co_return;
        }
        bool done = false;
        {
            std::lock_guard lock(mutex);
            if (nghttp2_session_mem_recv(session, buffer.get(), n) < 0) {
                fail_all_locked(make_error_code(error::http2_protocol));
                done = true;
            } else {
                // After GOAWAY with nothing left open, or a fatal error nghttp2 answered itself.
                done = nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0;
                if (done) fail_all_locked(make_error_code(error::stream_refused));
            }
        }
        if (done) {
            tls->stream().close();
            co_return;
        }
        kick_writer();  // acknowledgements, window updates, or a GOAWAY (see on_frame_send)
    }
}

std::shared_ptr<H2Connection> H2Connection::start(std::unique_ptr<HttpsConnection> tls, const Endpoint& target) {
    auto impl = std::make_shared<Impl>(std::move(tls), target);
    nghttp2_option* option = nullptr;
    nghttp2_option_new(&option);
    // Until the server's SETTINGS arrive, assume the 100 streams RFC 9113 recommends.
    nghttp2_option_set_peer_max_concurrent_streams(option, 100);
    const int rv = nghttp2_session_client_new2(&impl->session, callbacks(), impl.get(), option);
    nghttp2_option_del(option);
    if (rv != 0) throw std::bad_alloc();
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1024 * 1024},
    };
    nghttp2_submit_settings(impl->session, NGHTTP2_FLAG_NONE, settings, std::size(settings));
    nghttp2_session_set_local_window_size(impl->session, NGHTTP2_FLAG_NONE, 0, connection_window);
    impl->kick_writer();
    return std::make_shared<H2Connection>(std::move(impl));
}

H2Connection::H2Connection(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
H2Connection::~H2Connection() { close(); }

H2Connection::Reservation H2Connection::try_reserve() {
    return try_reserve(std::chrono::steady_clock::duration::max()).slot;
}

H2Connection::Reserved H2Connection::try_reserve(std::chrono::steady_clock::duration idle_timeout) {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->usable) return {Reserve::gone, {}};
    if (impl_->reserved == 0 && std::chrono::steady_clock::now() - impl_->idle_since >= idle_timeout) {
        return {Reserve::gone, {}};
    }
    if (impl_->reserved >= impl_->allowed_streams_locked()) return {Reserve::full, {}};
    ++impl_->reserved;
    return {Reserve::taken, Reservation(shared_from_this())};
}

asio::awaitable<void> H2Connection::settings_received(std::chrono::steady_clock::duration timeout) {
    const std::shared_ptr<Impl> c = impl_;
    c->start_reader();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    co_await wait_until_admitted(c->mutex, [&](Waiter* waiter) -> WaitList* {
        if (c->settings_received || !c->usable || std::chrono::steady_clock::now() >= deadline) return nullptr;
        if (waiter != nullptr) waiter->timer.expires_at(deadline);
        return &c->settings_waiters;
    });
}

void H2Connection::release_reservation() {
    std::lock_guard lock(impl_->mutex);
    impl_->release_slot_locked();
}

std::size_t H2Connection::open_streams() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->reserved;
}

std::size_t H2Connection::max_streams() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->allowed_streams_locked();
}

void H2Connection::close() {
    impl_->fail_all(asio::error::operation_aborted);
    // The socket belongs to the strand that reads and writes it.
    asio::post(impl_->strand, [impl = impl_] { impl->tls->stream().close(); });
}

namespace {

// The body size a head announces (content-length), 0 when it announces none.
std::uint64_t announced_length(const HttpHead& head) {
    const std::string value = head.header("content-length");
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec == std::errc::result_out_of_range) return std::numeric_limits<std::uint64_t>::max();
    return ec == std::errc() && end == value.data() + value.size() ? n : 0;
}

}  // namespace

asio::awaitable<ExchangeResult> H2Connection::exchange(Reservation slot, HttpRequest& request, const BodySink& sink,
                                                       const HttpsOptions& options) {
    const std::shared_ptr<Impl> c = slot.connection().impl_;
    request.restore_body();
    auto stream = std::make_shared<H2Stream>();
    stream->owner = c;
    stream->sink = &sink;
    stream->request = &request;
    stream->max_bytes = options.max_response_bytes;
    stream->idle_timeout = options.idle_timeout;
    // From here `finish` gives the slot back, and resets the stream if it is still open,
    // however this ends. The exchange keeps the connection alive until it ends: the last owner
    // of a connection closes it.
    const std::shared_ptr<H2Connection> connection = slot.hand_over();
    struct Finish {
        Impl& c;
        H2Stream& stream;
        ~Finish() { c.finish(stream); }
    } finish{*c, *stream};

    ExchangeResult result;
    // Taken before the submit: from then on a writer on another thread may send and free the body.
    const std::size_t queued = request.body.size() + request.fields.size();
    if (const error_code ec = c->submit(request, stream)) {
        result.ec = ec;
        co_return result;
    }
    c->start_reader();
    c->send_soon(queued);
    result.request_sent = true;  // queued whole: a writer sends it, whoever runs it

    const auto head_or_end = [&](Waiter*) -> WaitList* {
        return stream->head_done || stream->closed || stream->fired() ? nullptr : &stream->waiters;
    };
    stream->arm(c->deadlines, stream, options.header_timeout);
    bool abandoned = false;
    try {
        co_await wait_until_admitted(c->mutex, head_or_end);
    } catch (const boost::system::system_error& e) {
        if (e.code() != asio::error::operation_aborted) throw;
        abandoned = true;
    }
    if (abandoned && request.billable) {
        // The caller is gone, but the server may have the request: its head (the generation
        // id) is waited for, uncancellable now, for settle_timeout at most; then the stream is
        // reset (by `finish`), and the server stops.
        co_await asio::this_coro::throw_if_cancelled(false);
        stream->disarm();
        stream->arm(c->deadlines, stream, options.settle_timeout);
        co_await wait_until_admitted(c->mutex, head_or_end);
    }
    stream->disarm();
    if (abandoned) {
        std::lock_guard lock(c->mutex);
        result.abandoned = true;
        result.ec = error_code(asio::error::operation_aborted);
        result.response_started = stream->started;
        if (stream->head_done) result.head = std::move(stream->head);
        co_return result;
    }
    bool timed_out = false;
    bool too_large = false;
    {
        std::lock_guard lock(c->mutex);
        timed_out = !stream->head_done && !stream->closed;
        too_large = stream->head_done && announced_length(stream->head) > options.max_response_bytes;
    }
    if (too_large) {
        // Refused at the head: a body announced past the cap is never waited for.
        result.ec = make_error_code(error::response_too_large);
        result.response_started = true;
        co_return result;
    }
    if (timed_out) {
        result.ec = make_error_code(error::header_timeout);
        result.response_started = stream->started;
        co_return result;
    }

    bool body_done = false;
    {
        std::lock_guard lock(c->mutex);
        body_done = stream->closed;  // a small answer often comes whole, in the read that had its head
    }
    if (!body_done) {
        stream->arm(c->deadlines, stream, options.idle_timeout);
        try {
            co_await wait_until_admitted(c->mutex, [&](Waiter*) -> WaitList* {
                return stream->closed || stream->fired() ? nullptr : &stream->waiters;
            });
        } catch (const boost::system::system_error& e) {
            if (e.code() != asio::error::operation_aborted) throw;
            abandoned = true;  // the head (the generation id) is here already
        }
        stream->disarm();
        if (abandoned) co_await asio::this_coro::throw_if_cancelled(false);  // see ExchangeResult::abandoned
    }
    std::exception_ptr sink_error;
    {
        std::lock_guard lock(c->mutex);
        sink_error = stream->sink_error;
        result.response_started = stream->started;
        result.head = std::move(stream->head);
        result.ec = abandoned          ? error_code(asio::error::operation_aborted)
                    : !stream->closed ? make_error_code(error::idle_timeout)
                                      : stream->ec;
        result.abandoned = abandoned;
    }
    if (sink_error) std::rethrow_exception(sink_error);
    co_return result;
}

}  // namespace agentroute::net::detail
