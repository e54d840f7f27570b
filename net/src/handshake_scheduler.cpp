#include "handshake_scheduler.hpp"

#include <algorithm>

namespace agentroute::net::detail {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

HandshakeScheduler::~HandshakeScheduler() {
    for (auto& [host, state] : hosts_) {
        if (state.session != nullptr) SSL_SESSION_free(state.session);
    }
}

WaitList* HandshakeScheduler::admit(Turn& turn, Waiter* waiter) {
    Host& host = hosts_[turn.host];
    const auto now = Clock::now();
    if (!turn.probe && host.session == nullptr && !host.settled) {
        if (!host.probing) {
            turn.probe = host.probing = true;
        } else if (now >= host.ticket_deadline) {
            host.settled = true;  // the probe's session is late: nobody waits for it any more
        } else {
            if (waiter != nullptr) waiter->timer.expires_at(host.ticket_deadline);
            return &host.waiters;
        }
    }
    if (in_flight_ >= max_in_flight_) return &slot_waiters_;
    ++in_flight_;
    turn.started = now;
    return nullptr;
}

asio::awaitable<HandshakeScheduler::Turn> HandshakeScheduler::enter(std::string host) {
    Turn turn{std::move(host)};
    // A probe that never gets to handshake (cancelled while waiting for a slot) must not keep
    // the others waiting for its session.
    struct AbandonedProbe {
        HandshakeScheduler& self;
        Turn& turn;
        bool admitted = false;
        ~AbandonedProbe() {
            if (admitted || !turn.probe) return;
            std::lock_guard lock(self.mutex_);
            Host& state = self.hosts_[turn.host];
            state.probing = false;
            wake_all(state.waiters);
        }
    } abandoned{*this, turn};
    co_await wait_until_admitted(mutex_, [this, &turn](Waiter* waiter) { return admit(turn, waiter); });
    abandoned.admitted = true;
    co_return turn;
}

void HandshakeScheduler::leave(const Turn& turn, bool ok) {
    std::lock_guard lock(mutex_);
    --in_flight_;
    wake_one(slot_waiters_);
    if (!turn.probe) return;
    Host& host = hosts_[turn.host];
    if (!host.probing) return;  // its session already came (TLS 1.2 sends it in the handshake)
    if (ok) {
        // A TLS 1.3 ticket follows the handshake by about one round trip; the handshake took at
        // least one. Twice its time is ample, and bounds the wait when no ticket comes.
        const auto took = std::clamp<Clock::duration>(Clock::now() - turn.started, std::chrono::milliseconds(1),
                                                       std::chrono::milliseconds(500));
        host.ticket_deadline = Clock::now() + 2 * took;
    } else {
        host.probing = false;
        host.settled = true;  // the others handshake on their own, in parallel
    }
    wake_all(host.waiters);  // to wait again with the deadline, or to go
}

void HandshakeScheduler::offer_session(SSL* ssl, const std::string& host) {
    std::lock_guard lock(mutex_);
    const auto it = hosts_.find(host);
    if (it == hosts_.end() || it->second.session == nullptr || !SSL_SESSION_is_resumable(it->second.session)) return;
    // Each connection resumes its own copy: OpenSSL marks a connection's session unresumable
    // when that connection ends badly (a timeout, a reset), which must not spoil it for all.
    if (SSL_SESSION* copy = SSL_SESSION_dup(it->second.session)) {
        SSL_set_session(ssl, copy);
        SSL_SESSION_free(copy);  // the connection holds its own reference
    }
}

void HandshakeScheduler::keep_session(const std::string& host, SSL_SESSION* session) {
    std::lock_guard lock(mutex_);
    Host& state = hosts_[host];
    if (state.session != nullptr) SSL_SESSION_free(state.session);
    state.session = session;
    state.probing = false;
    wake_all(state.waiters);
}

std::size_t HandshakeScheduler::in_flight() const {
    std::lock_guard lock(mutex_);
    return in_flight_;
}

}  // namespace agentroute::net::detail
