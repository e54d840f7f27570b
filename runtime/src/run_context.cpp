#include <agentroute/errors.hpp>
#include <agentroute/run_context.hpp>

namespace agentroute {

Memory& RunContext::memory() const {
    if (!memory_) {
        throw ErrorConfig("this agent has no memory: set AgentOptions::memory to a Memory or "
                          "MemorySQLite to use RunContext::memory()");
    }
    return *memory_;
}

}  // namespace agentroute
