#pragma once

// GCC 12 destroys an aggregate temporary built inside a `co_await` expression twice (the second
// time at a wrong address), so `co_await agent.run(prompt, {.deadline = 5s})` would corrupt the
// heap. A library cannot change how the caller's frame cleans up, so with GCC before 13 such a
// call does not compile: a braced list can only initialize the parameter of the deleted
// overload below, whose type's name says what to write instead. Define
// AGENTROUTE_ALLOW_BRACED_RUN_OPTIONS to lift it (at your own risk).

#include <agentroute/run_options.hpp>

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13 && !defined(AGENTROUTE_ALLOW_BRACED_RUN_OPTIONS)
#define AGENTROUTE_REFUSE_BRACED_RUN_OPTIONS 1
#else
#define AGENTROUTE_REFUSE_BRACED_RUN_OPTIONS 0
#endif

namespace agentroute::detail {

/// Has the members of `RunOptions`, so that every braced list meant for it lands here.
struct GCC12_destroys_braced_RunOptions_in_co_await_twice__declare_a_RunOptions_variable_and_pass_it {
    std::vector<Message> message_history{};
    std::optional<std::string> conversation_id{};
    std::optional<std::chrono::steady_clock::duration> deadline{};
    std::string run_id{};
    std::function<void(const RunEvent&)> on_event{};
    Deps deps{};
    std::optional<double> max_cost{};
    std::optional<int> max_turns{};
    std::optional<std::string> api_key{};
    ModelRef model{};
    ModelSettings settings{};
    std::vector<ContentPart> attachments{};
    std::optional<TraceContext> trace_parent{};
};
using BracedRunOptions =
    GCC12_destroys_braced_RunOptions_in_co_await_twice__declare_a_RunOptions_variable_and_pass_it;
// A member added to RunOptions belongs here too.
static_assert(sizeof(BracedRunOptions) == sizeof(RunOptions));

}  // namespace agentroute::detail
