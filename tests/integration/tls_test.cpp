// TLS is verified: a server whose certificate is not trusted, or whose name does not match,
// is refused, with an error that says why and what to do.

#include <agentroute/agent.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>
#include <agentroute_test/temp_dir.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <filesystem>

using namespace agentroute;
using agentroute::testkit::FakeOpenRouter;

namespace {

std::shared_ptr<OpenRouterModel> model(const std::string& base_url, const std::string& ca_file, bool http2 = true) {
    OpenRouterOptions o;
    o.https.http2 = http2;
    o.model = "fake/model";
    o.api_key = "k";
    o.base_url = base_url;
    o.https.ca_file = ca_file;
    o.retry.max_attempts = 1;
    return std::make_shared<OpenRouterModel>(o);
}

std::string failure(const std::shared_ptr<OpenRouterModel>& m) {
    Agent agent({.name = "a", .model = m});
    try {
        agent.run_sync("hi");
    } catch (const ErrorNetwork& e) {
        return e.what();
    }
    return "no ErrorNetwork";
}

}  // namespace

TEST(Tls, AnUntrustedCertificateIsRefused) {
    FakeOpenRouter fake;
    const std::string what = failure(model(fake.base_url(), ""));  // system store only
    EXPECT_NE(what.find("certificate verification failed"), std::string::npos) << what;
    EXPECT_NE(what.find("ca_file"), std::string::npos) << what;
    EXPECT_EQ(fake.chat_requests(), 0u);
}

TEST(Tls, ANameMismatchIsRefused) {
    agentroute::testkit::FakeOpenRouterOptions o;
    o.host = "127.0.0.2";  // loopback, but not a name on the fake's certificate
    FakeOpenRouter fake(o);
    const std::string what = failure(model(fake.base_url(), fake.ca_file()));
    EXPECT_NE(what.find("certificate verification failed"), std::string::npos) << what;
    EXPECT_EQ(fake.chat_requests(), 0u);
}

TEST(Tls, TheFakesOwnCaIsTrustedWhenGiven) {
    FakeOpenRouter fake;
    Agent agent({.name = "a", .model = model(fake.base_url(), fake.ca_file())});
    EXPECT_FALSE(agent.run_sync("hi").output.empty());
}

TEST(Tls, TheFakeRemovesTheCaFolderItMade) {
    std::filesystem::path ca;
    {
        FakeOpenRouter fake;
        ca = fake.ca_file();
        ASSERT_TRUE(std::filesystem::exists(ca));
    }
    EXPECT_FALSE(std::filesystem::exists(ca));
    EXPECT_FALSE(std::filesystem::exists(ca.parent_path())) << "one folder left in /tmp per fake";
}

TEST(Tls, TheFakeLeavesACertDirItWasGiven) {
    agentroute::test::TempDir dir;
    agentroute::testkit::FakeOpenRouterOptions o;
    o.cert_dir = dir.path().string();
    { FakeOpenRouter fake(o); }
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "ca.pem"));
}

TEST(Tls, AMissingCaFileIsAConfigError) {
    EXPECT_THROW(model("https://127.0.0.1:1/api/v1", "/nonexistent/ca.pem"), ErrorConfig);
}

TEST(Tls, ABurstOfNewConnectionsResumesTheFirstOnesSession) {
    agentroute::testkit::FakeOpenRouterOptions o;
    o.latency = std::chrono::milliseconds(100);  // keeps the runs' connections open side by side
    FakeOpenRouter fake(o);
    // HTTP/1.1: a connection per concurrent run (HTTP/2 would share one).
    Agent agent({.name = "a", .model = model(fake.base_url(), fake.ca_file(), /*http2=*/false)});
    constexpr std::size_t runs = 40;
    boost::asio::io_context io;
    std::size_t ok = 0;
    for (std::size_t i = 0; i < runs; ++i) {
        boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
            RunOptions options;
            const auto result = co_await agent.run("hi", options);
            if (!result.output.empty()) ++ok;
        }, boost::asio::detached);
    }
    io.run();
    EXPECT_EQ(ok, runs);
    EXPECT_EQ(fake.connections(), runs);
    // One full handshake brings the session; every other connection resumes it.
    EXPECT_EQ(fake.resumed_handshakes(), runs - 1);
}
