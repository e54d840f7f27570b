#pragma once

#include <agentroute/run_options.hpp>

#include <boost/asio/awaitable.hpp>

namespace agentroute::detail {

/// What watches a run from inside the runtime (a `RunStream`, later tracers): every event, in
/// order, on the run's executor, and a say in when the run may go on.
class RunObserver {
public:
    virtual ~RunObserver() = default;

    /// Called synchronously for every event; must not block (the model's read is behind it).
    virtual void on_event(const RunEvent& event) = 0;

    /// Asked by the run before each model call and before its tools run: whether it must
    /// await `ready()` first (a plain call: the usual answer, no, costs no coroutine).
    virtual bool behind() = 0;
    /// Awaited then: an observer that is behind (a slow stream consumer) holds the run there,
    /// never inside a read.
    virtual boost::asio::awaitable<void> ready() = 0;
};

}  // namespace agentroute::detail
