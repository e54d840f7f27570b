#pragma once

// OpenSSL's socket BIO writes with write(2): a peer that has closed the connection then raises
// SIGPIPE, which kills a process that has not ignored it (a server going away mid-request must
// not take the user's program down). This BIO is the socket BIO with its writes made by
// send(2) with MSG_NOSIGNAL: the write fails with EPIPE instead.

#include <openssl/bio.h>

namespace agentroute::net::detail {

/// A socket BIO on `fd` (not closed when the BIO is freed); null when OpenSSL is out of memory.
BIO* new_socket_bio(int fd);

}  // namespace agentroute::net::detail
