#include "system_trust.hpp"

#include <openssl/x509.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace agentroute::net::detail {

namespace {

bool is_hash_name(const std::string& name) {
    if (name.size() < 10 || name[8] != '.') return false;
    for (std::size_t i = 0; i < 8; ++i) {
        if (!std::isxdigit(static_cast<unsigned char>(name[i]))) return false;
    }
    for (std::size_t i = 9; i < name.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(name[i]))) return false;
    }
    return true;
}

}  // namespace

bool is_hashed_cert_dir(const std::string& dir) {
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (is_hash_name(it->path().filename().string())) return true;
    }
    return false;
}

bool trust_system_store(SSL_CTX* ctx) {
    const char* file_env = std::getenv(X509_get_default_cert_file_env());
    const char* dir_env = std::getenv(X509_get_default_cert_dir_env());
    const std::string dir = dir_env != nullptr ? dir_env : X509_get_default_cert_dir();
    // An explicit SSL_CERT_FILE is the user's choice of trust: load it as OpenSSL would.
    if (file_env == nullptr && is_hashed_cert_dir(dir)) {
        return SSL_CTX_load_verify_dir(ctx, dir.c_str()) == 1;
    }
    return SSL_CTX_set_default_verify_paths(ctx) == 1;
}

}  // namespace agentroute::net::detail
