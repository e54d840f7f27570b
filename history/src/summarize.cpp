#include <agentroute/history/summarize.hpp>
#include <agentroute/history/tool_pairs.hpp>

#include "units.hpp"

#include <stdexcept>

namespace agentroute {
namespace {

constexpr std::size_t cache_capacity = 4096;

constexpr std::string_view summarizer_instructions =
    "You condense conversations between a user and an AI assistant. Write a concise summary of "
    "the conversation below that keeps every fact, decision, open question, tool result and "
    "user preference the assistant needs to continue. Reply with the summary only.";

constexpr std::string_view summary_heading = "[Summary of the earlier conversation]\n";

std::uint64_t fnv(std::uint64_t h, std::string_view bytes) noexcept {
    for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;  // separator, so "ab"+"c" != "a"+"bc"
}

std::uint64_t hash_message(std::uint64_t h, const Message& m) noexcept {
    h = fnv(h, to_string(m.role));
    h = fnv(h, m.content);
    h = fnv(h, m.tool_call_id);
    for (const ToolCall& c : m.tool_calls) h = fnv(fnv(fnv(h, c.id), c.name), c.arguments);
    return h;
}

void render(std::string& out, const Message& m) {
    switch (m.role) {
        case Role::user: out += "user: "; break;
        case Role::assistant: out += "assistant: "; break;
        case Role::tool: out += "tool result (" + m.tool_name + "): "; break;
        case Role::system: out += "system: "; break;
        case Role::developer: out += "developer: "; break;
    }
    out += m.content;
    for (const ToolCall& c : m.tool_calls) out += "\n[called " + c.name + " " + c.arguments + "]";
    out += '\n';
}

}  // namespace

HistorySummarize::HistorySummarize(std::shared_ptr<Model> model, std::size_t keep_recent)
    : model_(std::move(model)), keep_recent_(keep_recent) {
    if (!model_) {
        throw std::runtime_error(
            "HistorySummarize requires a concrete Model: resolve one with resolve_model(...) "
            "and pass it in");
    }
    if (keep_recent_ == 0) throw std::invalid_argument("HistorySummarize: keep_recent must be > 0");
}

std::size_t HistorySummarize::summaries_made() const {
    std::lock_guard lock(mutex_);
    return summaries_made_;
}

const HistorySummarize::Cached* HistorySummarize::find(std::uint64_t prefix_hash) const {
    auto it = cache_.find(prefix_hash);
    return it == cache_.end() ? nullptr : &it->second;
}

void HistorySummarize::store(std::uint64_t prefix_hash, std::string summary) {
    std::lock_guard lock(mutex_);
    ++summaries_made_;
    if (cache_.emplace(prefix_hash, Cached{std::move(summary)}).second) order_.push_back(prefix_hash);
    while (order_.size() > cache_capacity) {
        cache_.erase(order_.front());
        order_.pop_front();
    }
}

boost::asio::awaitable<std::vector<Message>> HistorySummarize::apply(
    std::span<const Message> messages, Usage& spent) {
    std::vector<Message> all = tool_pairs_intact(messages)
                                   ? std::vector<Message>(messages.begin(), messages.end())
                                   : repair_tool_pairs(messages);
    const detail::Units split = detail::split_units(all);
    const auto& units = split.units;
    const std::size_t n = units.size();

    // prefix[k]: hash of units [0, k).
    std::vector<std::uint64_t> prefix(n + 1, 14695981039346656037ull);
    for (std::size_t k = 0; k < n; ++k) {
        prefix[k + 1] = prefix[k];
        for (std::size_t i = units[k].begin; i < units[k].end; ++i) {
            prefix[k + 1] = hash_message(prefix[k + 1], all[i]);
        }
    }

    // The longest prefix already summarized.
    std::size_t covered = 0;
    std::string summary;
    {
        std::lock_guard lock(mutex_);
        for (std::size_t k = n; k > 0; --k) {
            if (const Cached* c = find(prefix[k])) {
                covered = k;
                summary = c->summary;
                break;
            }
        }
    }

    std::size_t after = 0;
    for (std::size_t k = covered; k < n; ++k) after += units[k].size();
    if (after > 2 * keep_recent_) {
        // New boundary: leave at least keep_recent messages, and never summarize the latest
        // user message.
        std::size_t boundary = n, recent = 0;
        while (boundary > 0 && recent < keep_recent_) recent += units[--boundary].size();
        if (split.latest_user < n) boundary = std::min(boundary, split.latest_user);
        if (boundary > covered) {
            std::string transcript;
            if (!summary.empty()) transcript += "Summary so far:\n" + summary + "\n\nContinued:\n";
            for (std::size_t k = covered; k < boundary; ++k) {
                for (std::size_t i = units[k].begin; i < units[k].end; ++i) render(transcript, all[i]);
            }
            const std::vector<Message> request_messages{
                Message::system(std::string(summarizer_instructions)), Message::user(std::move(transcript))};
            ModelRequest request;
            request.messages = request_messages;
            ModelResponse response = co_await model_->request(std::move(request));
            spent += response.usage;
            summary = std::move(response.message.content);
            store(prefix[boundary], summary);
            covered = boundary;
        }
    }

    std::vector<Message> out;
    out.reserve(all.size() + 1);
    const std::size_t first_kept = covered < n ? units[covered].begin : all.size();
    for (std::size_t i : split.pinned) {
        if (i < first_kept) out.push_back(all[i]);
    }
    if (covered > 0) out.push_back(Message::system(std::string(summary_heading) + summary));
    for (std::size_t i = first_kept; i < all.size(); ++i) out.push_back(std::move(all[i]));
    co_return out;
}

}  // namespace agentroute
