#include "run_state.hpp"

#include <random>

namespace agentroute::detail {

RunState::RunState(std::shared_ptr<AgentCore> core_in, RunOptions options_in,
                   boost::asio::any_io_executor executor, std::shared_ptr<RunObserver> observer_in)
    : core(std::move(core_in)),
      options(std::move(options_in)),
      model(core->model_for(options)),
      observer(std::move(observer_in)),
      max_cost(options.max_cost ? options.max_cost : core->options().max_cost),
      max_turns(options.max_turns.value_or(core->options().max_turns)),
      ctx(options.run_id.empty() ? make_run_id() : options.run_id, core->options().name,
          core->options().memory.get(), std::move(executor), std::move(options.deps)) {
    if (options.max_turns && *options.max_turns < 1) throw ErrorConfig("RunOptions::max_turns must be at least 1");
    if (options.max_cost && !(*options.max_cost > 0)) {
        throw ErrorConfig("RunOptions::max_cost must be a positive number of USD");
    }
    if (options.deadline) deadline = std::chrono::steady_clock::now() + *options.deadline;
}

void RunState::count_retry(const std::string& message) {
    ++retries_used;
    if (retries_used > core->options().retries) {
        throw ErrorRetries(core->options().retries, message, usage);
    }
}

std::string make_run_id() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char hex[] = "0123456789abcdef";
    std::string id = "run_";
    id.reserve(36);
    for (int word = 0; word < 2; ++word) {
        std::uint64_t bits = rng();
        for (int i = 0; i < 16; ++i, bits >>= 4) id += hex[bits & 0xf];
    }
    return id;
}

}  // namespace agentroute::detail
