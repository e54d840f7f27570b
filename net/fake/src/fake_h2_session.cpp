#include "fake_h2_session.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cctype>
#include <new>
#include <string_view>
#include <vector>

namespace agentroute::testkit::detail {

struct H2ServerSession::Stream {
    FakeRequest request;
    std::string out;  // response body bytes not yet sent
    std::size_t sent = 0;
    enum class After { end, reset, wait_for_more } after = After::end;
};

struct Callbacks {
    static H2ServerSession& self(void* user_data) { return *static_cast<H2ServerSession*>(user_data); }

    static H2ServerSession::Stream* find(H2ServerSession& s, std::int32_t id) {
        const auto it = s.streams_.find(id);
        return it == s.streams_.end() ? nullptr : it->second.get();
    }

    static int begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
        if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
            self(user_data).streams_[frame->hd.stream_id] = std::make_unique<H2ServerSession::Stream>();
        }
        return 0;
    }

    static int header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name, std::size_t name_size,
                      const std::uint8_t* value, std::size_t value_size, std::uint8_t, void* user_data) {
        H2ServerSession::Stream* stream = find(self(user_data), frame->hd.stream_id);
        if (stream == nullptr) return 0;
        const std::string_view n(reinterpret_cast<const char*>(name), name_size);
        const std::string_view v(reinterpret_cast<const char*>(value), value_size);
        if (n == ":method") {
            stream->request.method = v;
        } else if (n == ":path") {
            stream->request.target = v;
        } else if (n == ":authority") {
            stream->request.headers.insert_or_assign("host", std::string(v));
        } else if (!n.empty() && n[0] != ':') {
            stream->request.headers.insert_or_assign(std::string(n), std::string(v));
        }
        return 0;
    }

    static int data_chunk(nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data, std::size_t size,
                          void* user_data) {
        if (H2ServerSession::Stream* stream = find(self(user_data), id)) {
            stream->request.body.append(reinterpret_cast<const char*>(data), size);
        }
        return 0;
    }

    static int frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
        const bool request_done = (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
                                  (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
        if (!request_done) return 0;
        H2ServerSession& s = self(user_data);
        if (H2ServerSession::Stream* stream = find(s, frame->hd.stream_id)) {
            s.on_request_(frame->hd.stream_id, std::move(stream->request));  // complete: no more bytes come
        }
        return 0;
    }

    static int stream_close(nghttp2_session*, std::int32_t id, std::uint32_t, void* user_data) {
        self(user_data).streams_.erase(id);
        return 0;
    }

    static ssize_t read_body(nghttp2_session*, std::int32_t id, std::uint8_t* buffer, std::size_t length,
                             std::uint32_t* flags, nghttp2_data_source*, void* user_data) {
        H2ServerSession::Stream* stream = find(self(user_data), id);
        if (stream == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        const std::size_t n = std::min(length, stream->out.size() - stream->sent);
        std::copy_n(stream->out.data() + stream->sent, n, buffer);
        stream->sent += n;
        if (stream->sent < stream->out.size()) return static_cast<ssize_t>(n);
        stream->out.clear();
        stream->sent = 0;
        switch (stream->after) {
            case H2ServerSession::Stream::After::end:
                *flags |= NGHTTP2_DATA_FLAG_EOF;
                return static_cast<ssize_t>(n);
            case H2ServerSession::Stream::After::reset:
                // Sent what there was; the next call resets the stream (INTERNAL_ERROR).
                if (n > 0) return static_cast<ssize_t>(n);
                return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
            case H2ServerSession::Stream::After::wait_for_more:
                return n > 0 ? static_cast<ssize_t>(n) : static_cast<ssize_t>(NGHTTP2_ERR_DEFERRED);
        }
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }

    static const nghttp2_session_callbacks* all() {
        static nghttp2_session_callbacks* const instance = [] {
            nghttp2_session_callbacks* cbs = nullptr;
            nghttp2_session_callbacks_new(&cbs);
            nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, begin_headers);
            nghttp2_session_callbacks_set_on_header_callback(cbs, header);
            nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, data_chunk);
            nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, frame_recv);
            nghttp2_session_callbacks_set_on_stream_close_callback(cbs, stream_close);
            return cbs;
        }();
        return instance;
    }
};

H2ServerSession::H2ServerSession(OnRequest on_request, std::uint32_t max_streams)
    : on_request_(std::move(on_request)) {
    if (nghttp2_session_server_new(&session_, Callbacks::all(), this) != 0) throw std::bad_alloc();
    const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, max_streams}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
}

H2ServerSession::~H2ServerSession() { nghttp2_session_del(session_); }

bool H2ServerSession::receive(const std::uint8_t* data, std::size_t size) {
    return nghttp2_session_mem_recv(session_, data, size) >= 0;
}

std::string H2ServerSession::output() {
    std::string out;
    for (;;) {
        const std::uint8_t* data = nullptr;
        const ssize_t n = nghttp2_session_mem_send(session_, &data);
        if (n <= 0) break;
        out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
    return out;
}

bool H2ServerSession::alive() const {
    return nghttp2_session_want_read(session_) != 0 || nghttp2_session_want_write(session_) != 0;
}

namespace {

// The body `plan` sends, and what follows it.
void take_body(H2ServerSession::Stream& stream, Plan& plan) {
    using After = H2ServerSession::Stream::After;
    if (plan.chunks.size() == 1 && stream.out.empty()) {
        stream.out = std::move(plan.chunks.front());  // the usual answer: one body, not copied
    } else {
        for (const auto& chunk : plan.chunks) stream.out += chunk;
    }
    using End = Plan::End;
    switch (plan.end) {
        case End::complete: stream.after = After::end; break;
        case End::reset_half:
            stream.out.resize(stream.out.size() / 2);
            stream.after = After::reset;
            break;
        case End::close_unfinished: stream.after = After::reset; break;
        case End::stall:
        case End::hold: stream.after = After::wait_for_more; break;
    }
}

std::size_t body_size(const Plan& plan) {
    std::size_t n = 0;
    for (const auto& chunk : plan.chunks) n += chunk.size();
    return n;
}

}  // namespace

void H2ServerSession::respond(std::int32_t stream_id, Plan plan) {
    Stream* stream = Callbacks::find(*this, stream_id);
    if (stream == nullptr) return;  // the client gave up
    take_body(*stream, plan);
    submit_head(stream_id, plan, stream->out.size());
}

void H2ServerSession::respond_head(std::int32_t stream_id, const Plan& plan) {
    Stream* stream = Callbacks::find(*this, stream_id);
    if (stream == nullptr) return;
    stream->after = Stream::After::wait_for_more;  // no body yet: DATA is deferred
    submit_head(stream_id, plan, body_size(plan));
}

void H2ServerSession::respond_body(std::int32_t stream_id, Plan plan) {
    Stream* stream = Callbacks::find(*this, stream_id);
    if (stream == nullptr) return;  // the client gave up
    take_body(*stream, plan);
    nghttp2_session_resume_data(session_, stream_id);
}

void H2ServerSession::submit_head(std::int32_t stream_id, const Plan& plan, std::size_t content_length) {
    using End = Plan::End;
    const std::string status = std::to_string(plan.status);
    const std::string length = std::to_string(content_length);
    std::vector<std::string> names;
    std::vector<nghttp2_nv> nva;
    names.reserve(plan.headers.size());
    auto add = [&nva](std::string_view name, std::string_view value) {
        nva.push_back({reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                       reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
                       NGHTTP2_NV_FLAG_NONE});
    };
    add(":status", status);
    for (const auto& [name, value] : plan.headers) {
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        names.push_back(std::move(lower));
        add(names.back(), value);
    }
    const std::string announced = plan.announced_length ? std::to_string(*plan.announced_length) : std::string();
    if (plan.announced_length) {
        add("content-length", announced);
    } else if (!plan.chunked && plan.end == End::complete) {
        add("content-length", length);
    }
    nghttp2_data_provider body{};
    body.read_callback = Callbacks::read_body;
    nghttp2_submit_response(session_, stream_id, nva.data(), nva.size(), &body);
}

bool H2ServerSession::send_more(std::int32_t stream_id, const std::string& data) {
    Stream* stream = Callbacks::find(*this, stream_id);
    if (stream == nullptr) return false;
    stream->out += data;
    nghttp2_session_resume_data(session_, stream_id);
    return true;
}

}  // namespace agentroute::testkit::detail
