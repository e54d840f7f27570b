#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace agentroute::detail {

/// The members of the JSON object `text` begins (after any preamble such as a code fence) that
/// are complete so far, as compact JSON text: `{"a":1,"b":"tw` gives `{"a":1}`. Nullopt while
/// no member is complete, or when the text is not the start of a JSON object.
std::optional<std::string> complete_members(std::string_view text);

/// Follows a streamed typed answer and says when its complete members change.
class PartialOutput {
public:
    /// Adds a streamed fragment; returns the complete members when they changed.
    std::optional<std::string> feed(std::string_view fragment);
    void reset() {
        text_.clear();
        last_.clear();
    }

private:
    std::string text_;
    std::string last_;
};

}  // namespace agentroute::detail
