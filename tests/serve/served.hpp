#pragma once

// A Server on its own io_context and threads for one test, beside a FakeOpenRouter its agents
// call: agents are added, then `start()`; the destructor drains it and joins.

#include <agentroute/agent.hpp>
#include <agentroute/net/fake_openrouter.hpp>
#include <agentroute/net/openrouter_model.hpp>
#include <agentroute/serve/server.hpp>

#include <agentroute_test/fake_model.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <memory>
#include <thread>
#include <vector>

namespace agentroute::test {

class Served {
public:
    explicit Served(serve::ServeOptions options = quick(), unsigned threads = 1)
        : server_(io_.get_executor(), std::move(options)), threads_(threads) {}

    ~Served() { stop(); }
    Served(const Served&) = delete;
    Served& operator=(const Served&) = delete;

    /// Test-sized limits: a free port, a short drain.
    static serve::ServeOptions quick() {
        serve::ServeOptions o;
        o.port = 0;
        o.drain_timeout = std::chrono::seconds(5);
        return o;
    }

    /// An agent on `fake` (model "fake/model" over verified TLS), named `name`.
    static Agent<> agent_on(const testkit::FakeOpenRouter& fake, std::string name, AgentOptions options = {}) {
        options.name = std::move(name);
        options.model = std::make_shared<OpenRouterModel>(fake_options(fake));
        return Agent<>(std::move(options));
    }

    serve::Server& server() { return server_; }

    void start() {
        server_.listen();
        finished_ = asio_spawn();
        for (unsigned i = 0; i < threads_; ++i) pool_.emplace_back([this] { io_.run(); });
    }

    std::uint16_t port() const { return server_.port(); }

    /// Drains; true when `run()` ended within `within`.
    bool drain_and_wait(std::chrono::milliseconds within) {
        server_.drain();
        return finished_.valid() && finished_.wait_for(within) == std::future_status::ready;
    }

    void stop() {
        if (pool_.empty()) return;
        if (!drain_and_wait(std::chrono::seconds(10))) io_.stop();
        for (auto& t : pool_) t.join();
        pool_.clear();
    }

private:
    std::future<void> asio_spawn() { return boost::asio::co_spawn(io_, server_.run(), boost::asio::use_future); }

    boost::asio::io_context io_;
    serve::Server server_;
    unsigned threads_;
    std::future<void> finished_;
    std::vector<std::thread> pool_;
};

}  // namespace agentroute::test
