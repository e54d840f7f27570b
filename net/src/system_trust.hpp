#pragma once

#include <openssl/ssl.h>

#include <string>

namespace agentroute::net::detail {

/// Trusts the system's CAs in `ctx`, the set OpenSSL's default paths name (SSL_CERT_FILE and
/// SSL_CERT_DIR honoured).
///
/// OpenSSL's default parses every CA of the bundle file up front: ~140 certificates, ~40 ms
/// of CPU and a few MB per process. Where the certificate directory is hashed (c_rehash, as
/// Debian's update-ca-certificates leaves it), the same CAs are looked up there on demand;
/// only otherwise is the bundle loaded. Returns false when neither could be set up.
bool trust_system_store(SSL_CTX* ctx);

/// True when `dir` holds OpenSSL subject-hash links (`xxxxxxxx.N`).
bool is_hashed_cert_dir(const std::string& dir);

}  // namespace agentroute::net::detail
