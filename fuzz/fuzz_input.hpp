#pragma once

// The fuzzer's bytes, read as choices first (how to cut the input) and then as the input.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace agentroute::fuzz {

class Input {
public:
    Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

    /// The next byte as a choice; 0 once the bytes are used up.
    std::uint8_t byte() noexcept {
        if (size_ == 0) return 0;
        --size_;
        return *data_++;
    }
    /// What is left, as text.
    std::string_view rest() const noexcept { return {reinterpret_cast<const char*>(data_), size_}; }

private:
    const std::uint8_t* data_;
    std::size_t size_;
};

}  // namespace agentroute::fuzz
