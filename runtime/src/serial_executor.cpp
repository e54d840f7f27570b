#include <agentroute/detail/serial_executor.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

namespace agentroute::detail {
namespace asio = boost::asio;
namespace {

// The io_context behind an executor of one, plain or tracking work (as a coroutine's is).
asio::io_context* io_context_of(const asio::any_io_executor& executor) {
    using Plain = asio::io_context::executor_type;
    using Tracked = asio::io_context::basic_executor_type<std::allocator<void>, 4>;
    if (const auto* plain = executor.target<Plain>()) return &plain->context();
    if (const auto* tracked = executor.target<Tracked>()) return &tracked->context();
    return nullptr;
}

}  // namespace

asio::any_io_executor one_at_a_time(asio::any_io_executor executor) {
    if (executor.target<asio::strand<asio::any_io_executor>>() ||
        executor.target<asio::strand<asio::io_context::executor_type>>() ||
        executor.target<asio::strand<asio::thread_pool::executor_type>>()) {
        return executor;
    }
    if (auto* context = io_context_of(executor)) {
        if (asio::use_service<asio::detail::scheduler>(*context).concurrency_hint() == 1) return executor;
    }
    return new_strand(std::move(executor));
}

asio::any_io_executor new_strand(asio::any_io_executor executor) {
    using Plain = asio::io_context::executor_type;
    using Tracked = asio::io_context::basic_executor_type<std::allocator<void>, 4>;
    if (const auto* plain = executor.target<Plain>()) return asio::make_strand(*plain);
    if (const auto* tracked = executor.target<Tracked>()) {
        return asio::make_strand(asio::require(*tracked, asio::execution::outstanding_work.untracked));
    }
    return asio::make_strand(std::move(executor));
}

}  // namespace agentroute::detail
