#pragma once

#include <agentroute/detail/testing_alias.hpp>
#include <agentroute/model.hpp>

#include <functional>
#include <string>

namespace agentroute::testkit {

/// An in-process model driven by a callable, for tests: the callable sees each request and
/// returns the answer (or throws).
///
/// Thread safety: the callable may be called concurrently from many runs.
class FunctionModel : public Model {
public:
    using Function = std::function<ModelResponse(const ModelRequest&)>;
    using AsyncFunction = std::function<boost::asio::awaitable<ModelResponse>(const ModelRequest&)>;

    explicit FunctionModel(Function function, std::string name = "test/function");
    explicit FunctionModel(AsyncFunction function, std::string name = "test/function");

    const std::string& name() const noexcept override { return name_; }
    boost::asio::awaitable<ModelResponse> request(ModelRequest request) override;

private:
    AsyncFunction function_;
    std::string name_;
};

}  // namespace agentroute::testkit
