#pragma once

#include <string>

namespace agentroute::testkit::detail {

/// A private CA and a server certificate it signed, for localhost, 127.0.0.1 and ::1
/// (EC P-256, valid from yesterday for ten years), all PEM.
struct Certificates {
    std::string ca_pem;
    std::string server_cert_pem;
    std::string server_key_pem;
};

/// Makes fresh certificates with OpenSSL. Throws std::runtime_error if OpenSSL fails.
Certificates make_certificates();

}  // namespace agentroute::testkit::detail
