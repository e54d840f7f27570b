#include <agentroute/model.hpp>

namespace agentroute {

boost::asio::awaitable<std::optional<ModelPrice>> Model::price() { co_return std::nullopt; }

}  // namespace agentroute
