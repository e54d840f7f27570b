#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace agentroute {

/// How the HTTPS client connects, waits and gives up. Every field has a working default.
struct HttpsOptions {
    /// A PEM file of extra trusted CAs, added to the system trust store (for self-signed test
    /// servers). Certificates are always verified, names always checked.
    std::string ca_file{};
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds handshake_timeout{10'000};
    /// From sending the request to the response's status line and headers.
    std::chrono::milliseconds header_timeout{60'000};
    /// Longest wait for real data in a response body. Keep-alive bytes (SSE comment lines,
    /// whitespace before a JSON body) do not reset it.
    std::chrono::milliseconds idle_timeout{300'000};
    /// A billed request whose run was cancelled (or ran out of time) after it was sent waits
    /// this long for the answer's head, then as long again for the bill of the generation it
    /// names (`GET /generation`), so that its cost reaches the run's usage. OpenRouter sends the
    /// head as soon as it has the request: the wait is usually one round trip.
    std::chrono::milliseconds settle_timeout{2'000};
    /// Largest response body accepted.
    std::size_t max_response_bytes = 16 * 1024 * 1024;
    /// Most HTTP/1.1 connections to one host at once; further requests wait for one to be
    /// free. (HTTP/2 connections are few by nature: another opens only when every open one
    /// carries as many streams as the server allows.)
    std::size_t max_connections_per_host = 16384;
    /// Most TLS handshakes in progress at once (per client). Handshakes are CPU-bound and each
    /// holds ~30 KB of buffers until it ends, so a burst of new connections queues here rather
    /// than all at once; while nothing is cached for a host, the first connection handshakes
    /// alone and the others resume its session.
    std::size_t max_concurrent_handshakes = 256;
    /// Idle kept-alive connections older than this are closed instead of reused.
    std::chrono::milliseconds pool_idle_timeout{60'000};
    /// Offer HTTP/2 in the TLS handshake (ALPN), as OpenRouter serves it. When the server takes
    /// it, concurrent requests to that host share a few connections (as many streams on each
    /// as the server allows, up to 1,024) instead of a connection each: a TLS handshake and
    /// ~15 KB of TLS state per connection rather than per request in flight. A server that
    /// answers HTTP/1.1 gets HTTP/1.1 on the same connection, and from then on (for the life
    /// of the process's shared client) HTTP/1.1 without the offer. false: HTTP/1.1 only.
    bool http2 = true;
    /// `http://host:port` of a CONNECT proxy; empty: `HTTPS_PROXY`/`https_proxy` from the
    /// environment, else none.
    std::string proxy{};
};

}  // namespace agentroute
