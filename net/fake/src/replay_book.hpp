#pragma once

// The fake's replay mode: a folder of recorded exchanges (the format of
// shared/fixtures/openrouter), each found again by what identifies its request.

#include <agentroute/net/fake_openrouter.hpp>

#include <boost/json/fwd.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

namespace agentroute::testkit::detail {

/// What identifies a chat request for replay: model, messages (with their parts), the stream
/// flag, tools and response format, each as canonical JSON (object keys sorted). Spellings that
/// providers take as one are one here: an assistant message with tool calls and no text has
/// the same key with `content` absent, null or "", and `stream` absent is `false`. Provider
/// preferences, sampling and the usage flag are not part of it, so a typed output's
/// `provider.require_parameters` still finds its recording.
struct ReplayKey {
    enum Part : std::size_t { model, messages, stream, tools, response_format, count };
    std::array<std::string, count> parts;

    static ReplayKey of(const boost::json::value& body);
    std::string joined() const;
    static const char* name(Part part) noexcept;
};

class ReplayBook {
public:
    /// Reads every `*.json` recording of `dir`, in file-name order (the order they were
    /// recorded). Throws `std::runtime_error` naming the file for one that is not a recording.
    explicit ReplayBook(const std::string& dir);
    ReplayBook() = default;

    bool empty() const noexcept { return keys_.empty(); }
    std::size_t size() const noexcept { return entries_.size(); }

    /// The recording for a request: requests with one key get its recordings in the order
    /// they were recorded, then from the first again. Null when none matches; `why` then
    /// says which recording comes closest and how it differs.
    const RecordedResponse* next(const boost::json::value& body, std::string& why);

    /// Groups of recordings (file names) that share a key: served in turn, not one of them.
    std::vector<std::vector<std::string>> collisions() const;

private:
    struct Entry {
        std::string file;
        ReplayKey key;
        RecordedResponse response;
    };
    struct Turns {
        std::vector<std::size_t> entries;
        std::size_t next = 0;
    };
    std::string closest(const ReplayKey& key) const;

    std::vector<Entry> entries_;
    std::unordered_map<std::string, Turns> keys_;
};

}  // namespace agentroute::testkit::detail
