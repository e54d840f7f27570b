// bench/tls_footprint.cpp's run over wolfSSL (Debian's libwolfssl-dev): its native API, in a
// translation unit of its own, since its OpenSSL-compatible names clash with OpenSSL's headers.

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "tls_footprint.hpp"

#include <vector>

namespace tls_footprint {

const char* wolfssl_version() { return wolfSSL_lib_version(); }

void run_wolfssl(const Target& t, int n, Steps& steps) {
    wolfSSL_Init();
    WOLFSSL_CTX* ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, nullptr);
    if (wolfSSL_CTX_load_verify_locations(ctx, t.ca.c_str(), nullptr) != WOLFSSL_SUCCESS) {
        throw std::runtime_error("wolfSSL: bad FAKE_CA");
    }
    const std::string request = request_text(t);
    WOLFSSL_SESSION* session = nullptr;
    std::vector<WOLFSSL*> open;
    for (int i = 0; i < n; ++i) {
        const int fd = connect_tcp(t);
        std::size_t before = heap_in_use();
        WOLFSSL* ssl = wolfSSL_new(ctx);
        wolfSSL_set_fd(ssl, fd);
        if (session) wolfSSL_set_session(ssl, session);
        steps.created += heap_in_use() - before;
        before = heap_in_use();
        if (wolfSSL_connect(ssl) != WOLFSSL_SUCCESS) throw std::runtime_error("wolfSSL handshake failed");
        steps.handshaken += heap_in_use() - before;
        before = heap_in_use();
        wolfSSL_write(ssl, request.data(), static_cast<int>(request.size()));
        read_answer([&](char* p, std::size_t size) { return static_cast<long>(wolfSSL_read(ssl, p, static_cast<int>(size))); });
        steps.answered += heap_in_use() - before;
        if (!session) session = wolfSSL_get1_session(ssl);  // after the answer: the ticket came
        open.push_back(ssl);
    }
}

}  // namespace tls_footprint
