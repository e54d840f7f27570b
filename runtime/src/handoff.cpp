// Handoffs: the conversation passing from one agent to another inside one run, the view the
// new agent gets of it, and finding who holds a conversation continued from history.

#include "run_state.hpp"

#include <agentroute/handoff.hpp>

#include <boost/json/parse.hpp>

#include <algorithm>

namespace agentroute::detail {
namespace {

bool leads_with_system(std::span<const Message> messages) {
    return !messages.empty() && messages.front().role == Role::system;
}

// The system message becomes the new agent's instructions (or goes, when it has none).
void swap_instructions(RunState& state, const AgentCore& target) {
    const std::string& instructions = target.options().instructions;
    const bool had = leads_with_system(state.messages);
    if (had && !instructions.empty()) {
        state.messages.front().content = instructions;
        state.messages.front().cache_control = target.options().cache_instructions;
    } else if (had) {
        state.messages.erase(state.messages.begin());
        --state.first_new;
        if (state.view_from > 0) --state.view_from;
    } else if (!instructions.empty()) {
        state.messages.insert(state.messages.begin(), Message::system(instructions));
        state.messages.front().cache_control = target.options().cache_instructions;
        ++state.first_new;
        if (state.view_from > 0) ++state.view_from;
    }
}

// The agents `from` can hand a conversation to, at any distance, and their transfer tools.
struct HandoffGraph {
    std::vector<std::shared_ptr<AgentCore>> agents;
    std::vector<std::string_view> tool_names;

    explicit HandoffGraph(const std::shared_ptr<AgentCore>& from) : agents{from} {
        for (std::size_t i = 0; i < agents.size(); ++i) {
            for (const HandoffTarget& edge : agents[i]->handoffs()) {
                tool_names.push_back(edge.tool_name);
                std::shared_ptr<AgentCore> next = edge.strong ? edge.strong : edge.weak.lock();
                if (next && std::find(agents.begin(), agents.end(), next) == agents.end()) agents.push_back(std::move(next));
            }
        }
    }
    std::shared_ptr<AgentCore> agent(std::string_view name) const {
        for (const auto& agent : agents) {
            if (agent->display_name() == name) return agent;
        }
        return nullptr;
    }
    bool transfers(std::string_view tool) const {
        return std::find(tool_names.begin(), tool_names.end(), tool) != tool_names.end();
    }
};

// The tool a result answers: its own `tool_name`, or (in history from a client that does not
// send names, as OpenAI's format does not) the name of the call it answers.
std::string_view answered_tool(std::span<const Message> messages, std::size_t at) {
    const Message& result = messages[at];
    if (!result.tool_name.empty()) return result.tool_name;
    for (std::size_t i = at; i-- > 0;) {
        for (const ToolCall& call : messages[i].tool_calls) {
            if (call.id == result.tool_call_id) return call.name;
        }
    }
    return {};
}

// The agent a transfer tool's result names ({"assistant":"billing"}), or "".
std::string transferred_to(const HandoffGraph& graph, std::span<const Message> messages, std::size_t at) {
    const Message& message = messages[at];
    if (message.role != Role::tool || !graph.transfers(answered_tool(messages, at))) return {};
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(message.content, ec);
    const boost::json::object* object = ec ? nullptr : parsed.if_object();
    const boost::json::value* assistant = object ? object->if_contains("assistant") : nullptr;
    return assistant && assistant->is_string() ? std::string(assistant->as_string()) : std::string();
}

// Both handoffs and a resumed conversation switch the agent the same way.
void enter(RunState& state, std::shared_ptr<AgentCore> agent) {
    RunOptions keyed;  // the run's key reaches the new agent's model; the run's model does not
    keyed.api_key = state.options.api_key;
    state.model = agent->model_for(keyed);
    state.enter_agent(*agent);
    state.core = std::move(agent);
}

}  // namespace

void take_over(RunState& state, std::shared_ptr<AgentCore> target, const HandoffTarget& via) {
    const HandoffInputFilter& filter = via.options.input_filter;
    state.handoffs.push_back(Handoff{state.core->options().name, target->options().name, state.turn});
    state.emit({.kind = RunEvent::Kind::handoff, .text = target->display_name()});
    enter(state, std::move(target));
    if (filter) {
        const std::size_t skip = leads_with_system(state.messages) ? 1 : 0;
        std::span<const Message> before = std::span<const Message>(state.messages).subspan(skip);
        state.filtered_before = filter(before);
        state.view_from = state.messages.size();
    } else {
        state.filtered_before.clear();
        state.view_from = 0;
    }
    swap_instructions(state, *state.core);
    state.sync_context();
}

void resume_holder(RunState& state) {
    if (state.core->handoffs().empty()) return;
    const HandoffGraph graph(state.core);
    for (std::size_t at = state.messages.size(); at-- > 0;) {
        const std::string name = transferred_to(graph, state.messages, at);
        if (name.empty()) continue;
        std::shared_ptr<AgentCore> holder = graph.agent(name);
        // The run's own agent, or one it cannot reach (any more): the run's agent answers.
        if (!holder || holder == state.core) return;
        enter(state, std::move(holder));
        swap_instructions(state, *state.core);
        state.sync_context();
        return;
    }
}

std::span<const Message> handoff_view(const RunState& state, std::vector<Message>& storage) {
    if (state.view_from == 0) return state.messages;
    storage.clear();
    storage.reserve(1 + state.filtered_before.size() + state.messages.size() - state.view_from);
    if (leads_with_system(state.messages)) storage.push_back(state.messages.front());
    storage.insert(storage.end(), state.filtered_before.begin(), state.filtered_before.end());
    storage.insert(storage.end(), state.messages.begin() + static_cast<std::ptrdiff_t>(state.view_from),
                   state.messages.end());
    return storage;
}

}  // namespace agentroute::detail

namespace agentroute {

std::vector<Message> remove_tool_turns(std::span<const Message> before) {
    std::vector<Message> kept;
    kept.reserve(before.size());
    for (const Message& m : before) {
        if (m.role == Role::tool || m.role == Role::system) continue;
        if (m.has_tool_calls()) {
            if (m.content.empty()) continue;
            Message text = Message::assistant(m.content);
            kept.push_back(std::move(text));
            continue;
        }
        kept.push_back(m);
    }
    return kept;
}

}  // namespace agentroute
