// The system trust store is the same set of CAs whether it is looked up in the hashed
// directory on demand or loaded from the bundle file.

#include "system_trust.hpp"

#include <agentroute_test/temp_dir.hpp>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

using agentroute::net::detail::is_hashed_cert_dir;
using agentroute::net::detail::trust_system_store;

namespace {

constexpr const char* known_root = "/etc/ssl/certs/ISRG_Root_X1.pem";  // Let's Encrypt's root

// A root certificate verifies against a store exactly when the store trusts it.
bool trusts(SSL_CTX* ctx, const char* root_pem) {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(root_pem, "r"), &std::fclose);
    if (!file) return false;
    std::unique_ptr<X509, void (*)(X509*)> cert(PEM_read_X509(file.get(), nullptr, nullptr, nullptr), &X509_free);
    std::unique_ptr<X509_STORE_CTX, void (*)(X509_STORE_CTX*)> check(X509_STORE_CTX_new(), &X509_STORE_CTX_free);
    X509_STORE_CTX_init(check.get(), SSL_CTX_get_cert_store(ctx), cert.get(), nullptr);
    return X509_verify_cert(check.get()) == 1;
}

// Sets an environment variable for the scope, restoring the old value after.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (old_) ::setenv(name_, old_->c_str(), 1);
        else ::unsetenv(name_);
    }

private:
    const char* name_;
    std::optional<std::string> old_;
};

using Ctx = std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)>;
Ctx client_ctx() { return Ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free); }

}  // namespace

TEST(SystemTrust, RecognisesAHashedDirectory) {
    agentroute::test::TempDir dir;
    EXPECT_FALSE(is_hashed_cert_dir(dir.path().string()));
    std::ofstream(dir.file("README")) << "x";
    std::ofstream(dir.file("1234abcd.x")) << "x";
    EXPECT_FALSE(is_hashed_cert_dir(dir.path().string()));
    std::ofstream(dir.file("1234abcd.0")) << "x";
    EXPECT_TRUE(is_hashed_cert_dir(dir.path().string()));
    EXPECT_FALSE(is_hashed_cert_dir(dir.file("missing")));
}

TEST(SystemTrust, TheSystemRootsAreTrusted) {
    if (!std::filesystem::exists(known_root)) GTEST_SKIP() << known_root << " is not on this machine";
    Ctx ctx = client_ctx();
    ASSERT_TRUE(trust_system_store(ctx.get()));
    EXPECT_TRUE(trusts(ctx.get(), known_root));
}

TEST(SystemTrust, AnUnhashedDirectoryFallsBackToTheBundleFile) {
    if (!std::filesystem::exists(known_root)) GTEST_SKIP() << known_root << " is not on this machine";
    agentroute::test::TempDir empty;
    ScopedEnv dir("SSL_CERT_DIR", empty.path().string());
    Ctx ctx = client_ctx();
    ASSERT_TRUE(trust_system_store(ctx.get()));
    EXPECT_TRUE(trusts(ctx.get(), known_root));
}

TEST(SystemTrust, AStoreWithoutTheRootDoesNotTrustIt) {
    // The check above can fail: a context that trusts nothing refuses the same root.
    if (!std::filesystem::exists(known_root)) GTEST_SKIP() << known_root << " is not on this machine";
    Ctx ctx = client_ctx();
    EXPECT_FALSE(trusts(ctx.get(), known_root));
}
