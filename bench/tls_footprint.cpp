// What one idle client TLS connection costs in heap, by TLS library: opens N connections to a
// loopback HTTPS server (the peers' Node fake or ours, FAKE_URL / FAKE_CA as the load benchmark
// takes them), each a TLS 1.3 handshake with the certificate verified (the first a full one, the
// others resuming its session, as our client does), one request and its answer read whole (so
// the session tickets that follow a TLS 1.3 handshake are read too), then left open. Prints one
// JSON line: heap in use per connection after each step, from mallinfo2.
//
// usage: agentroute_bench_tls_footprint openssl|gnutls|wolfssl N
// OpenSSL is set up as net/ sets it up (record buffers freed once an answer is read); GnuTLS and
// wolfSSL (when libwolfssl-dev is installed) with their defaults. bench/tls_footprint.sh runs
// each against one server.

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <gnutls/gnutls.h>

#include "tls_footprint.hpp"

#include <cstdio>
#include <vector>

namespace {
using namespace tls_footprint;

void run_openssl(const Target& t, int n, Steps& steps) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(ctx, t.ca.c_str(), nullptr) != 1) throw std::runtime_error("bad FAKE_CA");
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    const std::string request = request_text(t);
    SSL_SESSION* session = nullptr;
    std::vector<SSL*> open;
    for (int i = 0; i < n; ++i) {
        const int fd = connect_tcp(t);
        std::size_t before = heap_in_use();
        SSL* ssl = SSL_new(ctx);
        SSL_set_fd(ssl, fd);
        SSL_set1_host(ssl, t.host.c_str());
        if (session) SSL_set_session(ssl, session);
        steps.created += heap_in_use() - before;
        before = heap_in_use();
        if (SSL_connect(ssl) != 1) throw std::runtime_error("OpenSSL handshake failed");
        steps.handshaken += heap_in_use() - before;
        before = heap_in_use();
        SSL_write(ssl, request.data(), static_cast<int>(request.size()));
        read_answer([&](char* p, std::size_t size) { return static_cast<long>(SSL_read(ssl, p, static_cast<int>(size))); });
        SSL_free_buffers(ssl);  // as net/ does once an answer is read (TlsStream::release_buffers)
        steps.answered += heap_in_use() - before;
        if (!session) session = SSL_get1_session(ssl);  // after the answer: the ticket came
        open.push_back(ssl);
    }
}

void check(int rc, const char* what) {
    if (rc < 0) throw std::runtime_error(std::string(what) + ": " + gnutls_strerror(rc));
}

void run_gnutls(const Target& t, int n, Steps& steps) {
    check(gnutls_global_init(), "gnutls_global_init");
    gnutls_certificate_credentials_t credentials;
    check(gnutls_certificate_allocate_credentials(&credentials), "credentials");
    check(gnutls_certificate_set_x509_trust_file(credentials, t.ca.c_str(), GNUTLS_X509_FMT_PEM), "trust file");
    const std::string request = request_text(t);
    gnutls_datum_t session{};
    std::vector<gnutls_session_t> open;
    for (int i = 0; i < n; ++i) {
        const int fd = connect_tcp(t);
        std::size_t before = heap_in_use();
        gnutls_session_t s;
        check(gnutls_init(&s, GNUTLS_CLIENT), "gnutls_init");
        check(gnutls_set_default_priority(s), "priority");
        check(gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, credentials), "credentials_set");
        gnutls_session_set_verify_cert(s, t.host.c_str(), 0);
        gnutls_transport_set_int(s, fd);
        if (session.data) check(gnutls_session_set_data(s, session.data, session.size), "set_data");
        steps.created += heap_in_use() - before;
        before = heap_in_use();
        int rc;
        do {
            rc = gnutls_handshake(s);
        } while (rc < 0 && gnutls_error_is_fatal(rc) == 0);
        check(rc, "GnuTLS handshake");
        steps.handshaken += heap_in_use() - before;
        before = heap_in_use();
        check(static_cast<int>(gnutls_record_send(s, request.data(), request.size())), "send");
        read_answer([&](char* p, std::size_t size) {
            long got;
            do {
                got = static_cast<long>(gnutls_record_recv(s, p, size));
            } while (got < 0 && gnutls_error_is_fatal(static_cast<int>(got)) == 0);
            if (got < 0) check(static_cast<int>(got), "GnuTLS read");
            return got;
        });
        steps.answered += heap_in_use() - before;
        if (!session.data) check(gnutls_session_get_data2(s, &session), "get_data2");
        open.push_back(s);
    }
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc != 3) {
        std::fprintf(stderr, "usage: agentroute_bench_tls_footprint openssl|gnutls|wolfssl N\n");
        return 2;
    }
    const std::string library = argv[1];
    const int n = std::atoi(argv[2]);
    const auto run = library == "openssl" ? run_openssl
                     : library == "gnutls" ? run_gnutls
#ifdef AGENTROUTE_WITH_WOLFSSL
                     : library == "wolfssl" ? run_wolfssl
#endif
                     : nullptr;
    if (!run) throw std::runtime_error("library must be openssl, gnutls or (when built with it) wolfssl");
    const Target target = target_from_env();
    // Warm each library's one-time state (providers, the trust store) out of the figures.
    Steps warm;
    run(target, 1, warm);
    const std::size_t base = heap_in_use();
    Steps steps;
    run(target, n, steps);
    const double total = static_cast<double>(heap_in_use() - base);
    const char* version = library == "openssl" ? OpenSSL_version(OPENSSL_VERSION)
                          : library == "gnutls" ? gnutls_check_version(nullptr)
#ifdef AGENTROUTE_WITH_WOLFSSL
                                                : wolfssl_version();
#else
                                                : "";
#endif
    std::printf("{\"library\":\"%s\",\"version\":\"%s\",\"connections\":%d,\"heap_per_connection\":%.0f,"
                "\"created\":%.0f,\"handshake\":%.0f,\"first_answer\":%.0f}\n",
                library.c_str(), version, n, total / n, static_cast<double>(steps.created) / n,
                static_cast<double>(steps.handshaken) / n, static_cast<double>(steps.answered) / n);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "agentroute_bench_tls_footprint: %s\n", e.what());
    return 1;
}
