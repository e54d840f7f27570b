#include "socket_bio.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace agentroute::net::detail {
namespace {

int write_without_sigpipe(BIO* bio, const char* data, int size) {
    const int fd = static_cast<int>(BIO_get_fd(bio, nullptr));
    errno = 0;
    const int n = static_cast<int>(::send(fd, data, static_cast<std::size_t>(size), MSG_NOSIGNAL));
    BIO_clear_retry_flags(bio);
    if (n <= 0 && BIO_sock_should_retry(n)) BIO_set_retry_write(bio);
    return n;
}

// The socket BIO's own methods but for the write. Made once, kept for the process's life.
BIO_METHOD* method() {
    static BIO_METHOD* const made = [] {
        const BIO_METHOD* socket = BIO_s_socket();
        BIO_METHOD* m = BIO_meth_new(BIO_TYPE_SOCKET, "socket, MSG_NOSIGNAL");
        if (m == nullptr) return m;
        BIO_meth_set_write(m, write_without_sigpipe);
        BIO_meth_set_read(m, BIO_meth_get_read(socket));
        BIO_meth_set_puts(m, BIO_meth_get_puts(socket));
        BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(socket));
        BIO_meth_set_create(m, BIO_meth_get_create(socket));
        BIO_meth_set_destroy(m, BIO_meth_get_destroy(socket));
        return m;
    }();
    return made;
}

}  // namespace

BIO* new_socket_bio(int fd) {
    BIO_METHOD* m = method();
    BIO* bio = m ? BIO_new(m) : nullptr;
    if (bio != nullptr) BIO_set_fd(bio, fd, BIO_NOCLOSE);
    return bio;
}

}  // namespace agentroute::net::detail
