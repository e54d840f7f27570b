// The pieces of bench/tls_footprint.cpp each TLS library's run shares (one translation unit a
// library: wolfSSL's headers and OpenSSL's do not mix).
#pragma once

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tls_footprint {

inline std::size_t heap_in_use() {
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

struct Target {
    std::string host;
    int port = 0;
    std::string path;  // ".../chat/completions"
    std::string ca;
};

inline Target target_from_env() {
    const char* url = std::getenv("FAKE_URL");
    const char* ca = std::getenv("FAKE_CA");
    if (!url || !ca) throw std::runtime_error("set FAKE_URL (https://127.0.0.1:PORT/api/v1) and FAKE_CA");
    std::string rest(url);
    if (rest.rfind("https://", 0) != 0) throw std::runtime_error("FAKE_URL must be https://");
    rest = rest.substr(8);
    const auto slash = rest.find('/');
    const std::string authority = rest.substr(0, slash);
    const auto colon = authority.rfind(':');
    return Target{authority.substr(0, colon), std::atoi(authority.c_str() + colon + 1),
                  (slash == std::string::npos ? std::string() : rest.substr(slash)) + "/chat/completions", ca};
}

inline int connect_tcp(const Target& t) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(t.port));
    ::inet_pton(AF_INET, t.host.c_str(), &address.sin_addr);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        throw std::runtime_error(std::string("connect: ") + std::strerror(errno) + " (ulimit -n?)");
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

inline std::string request_text(const Target& t) {
    const std::string body = R"({"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})";
    return "POST " + t.path + " HTTP/1.1\r\nHost: " + t.host + "\r\nAuthorization: Bearer sk-or-fake\r\n"
           "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Reads one answer whole (Content-Length or chunked) through `read`, which returns bytes or <= 0.
template <class Read>
void read_answer(Read read) {
    std::string got;
    char buffer[4096];
    for (;;) {
        const auto head_end = got.find("\r\n\r\n");
        if (head_end != std::string::npos) {
            std::string head = got.substr(0, head_end);
            for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            const auto length_at = head.find("content-length: ");
            if (length_at != std::string::npos) {
                if (got.size() >= head_end + 4 + std::stoul(head.substr(length_at + 16))) return;
            } else if (got.find("\r\n0\r\n\r\n", head_end) != std::string::npos) {
                return;
            }
        }
        const long n = read(buffer, sizeof buffer);
        if (n <= 0) throw std::runtime_error("the server closed before its answer was whole: " + got.substr(0, 300));
        got.append(buffer, static_cast<std::size_t>(n));
    }
}

struct Steps {
    std::size_t created = 0, handshaken = 0, answered = 0;
};

void run_wolfssl(const Target& t, int n, Steps& steps);  // tls_footprint_wolfssl.cpp
const char* wolfssl_version();

}  // namespace tls_footprint
