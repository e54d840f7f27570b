#pragma once

// When a TLS handshake may start, and which session it may resume.
//
// A full TLS handshake is most of a request's client CPU with OpenSSL 3 (parsing and verifying
// the certificate chain) and ~30 KB of transient buffers. Two rules keep both down when
// thousands of runs open connections at once:
//  - At most `max_in_flight` handshakes at a time per client: the CPU is the limit anyway, and
//    the transient buffers stay bounded.
//  - Single flight per host without a session: the first connection to a host handshakes alone
//    (the probe); the others wait for the session it brings back and resume it. They wait no
//    longer than twice the probe's handshake once it is done (a server may send no ticket),
//    and not at all once the probe failed.
// Sessions are kept per host:port, so one is only offered to the host it was verified for.

#include "wait_list.hpp"

#include <boost/asio/awaitable.hpp>

#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace agentroute::net::detail {

class HandshakeScheduler {
public:
    explicit HandshakeScheduler(std::size_t max_in_flight) : max_in_flight_(max_in_flight == 0 ? 1 : max_in_flight) {}
    ~HandshakeScheduler();
    HandshakeScheduler(const HandshakeScheduler&) = delete;
    HandshakeScheduler& operator=(const HandshakeScheduler&) = delete;

    struct Turn {
        std::string host;
        bool probe = false;
        std::chrono::steady_clock::time_point started{};
    };

    /// Waits until a handshake with `host` (host:port) may start. The caller must `leave`.
    boost::asio::awaitable<Turn> enter(std::string host);

    /// Ends the turn: `ok` when the handshake succeeded.
    void leave(const Turn& turn, bool ok);

    /// Lets `ssl` resume the latest session of `host`, if there is one.
    void offer_session(SSL* ssl, const std::string& host);

    /// Keeps `session` (taking its reference) as the one to resume for `host`.
    void keep_session(const std::string& host, SSL_SESSION* session);

    std::size_t in_flight() const;

private:
    struct Host {
        SSL_SESSION* session = nullptr;
        bool probing = false;   // a probe is between enter and its session (or its end)
        bool settled = false;   // no more waiting for this host: a probe failed or brought nothing
        std::chrono::steady_clock::time_point ticket_deadline = std::chrono::steady_clock::time_point::max();
        WaitList waiters;
    };

    WaitList* admit(Turn& turn, Waiter* waiter);

    const std::size_t max_in_flight_;
    mutable std::mutex mutex_;
    std::size_t in_flight_ = 0;
    WaitList slot_waiters_;
    std::map<std::string, Host, std::less<>> hosts_;
};

}  // namespace agentroute::net::detail
