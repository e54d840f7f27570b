#include <agentroute/testing/function_model.hpp>

namespace agentroute::testkit {

FunctionModel::FunctionModel(Function function, std::string name)
    : function_([f = std::move(function)](const ModelRequest& request)
                    -> boost::asio::awaitable<ModelResponse> { co_return f(request); }),
      name_(std::move(name)) {}

FunctionModel::FunctionModel(AsyncFunction function, std::string name)
    : function_(std::move(function)), name_(std::move(name)) {}

boost::asio::awaitable<ModelResponse> FunctionModel::request(ModelRequest request) {
    ModelResponse response = co_await function_(request);
    if (response.usage.model_calls == 0) response.usage.model_calls = 1;
    if (response.model.empty()) response.model = name_;
    co_return response;
}

}  // namespace agentroute::testkit
