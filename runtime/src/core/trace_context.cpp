#include <agentroute/trace_context.hpp>

#include <algorithm>
#include <random>

namespace agentroute {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

template <std::size_t N>
void append_hex(std::string& out, const std::array<std::uint8_t, N>& bytes) {
    for (const std::uint8_t b : bytes) {
        out += hex_digits[b >> 4];
        out += hex_digits[b & 0xf];
    }
}

int lower_hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // the format allows lower-case hex only
}

bool read_hex(std::string_view text, std::uint8_t* out, std::size_t bytes) noexcept {
    if (text.size() != 2 * bytes) return false;
    for (std::size_t i = 0; i < bytes; ++i) {
        const int hi = lower_hex_value(text[2 * i]);
        const int lo = lower_hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return true;
}

template <std::size_t N>
bool all_zero(const std::array<std::uint8_t, N>& bytes) noexcept {
    return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

// Ids need to be unique, not secret: a per-thread generator seeded once from the system's
// entropy is enough, and takes no lock.
template <std::size_t N>
void fill_random(std::array<std::uint8_t, N>& bytes) noexcept {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    do {
        for (std::size_t i = 0; i < N; i += 8) {
            std::uint64_t word = generator();
            for (std::size_t j = i; j < std::min(N, i + 8); ++j, word >>= 8) {
                bytes[j] = static_cast<std::uint8_t>(word);
            }
        }
    } while (all_zero(bytes));
}

}  // namespace

bool TraceContext::valid() const noexcept { return !all_zero(trace_id) && !all_zero(span_id); }

void TraceContext::append_trace_id_hex(std::string& out) const { append_hex(out, trace_id); }
void TraceContext::append_span_id_hex(std::string& out) const { append_hex(out, span_id); }

void TraceContext::append_traceparent(std::string& out) const {
    out += "00-";
    append_hex(out, trace_id);
    out += '-';
    append_hex(out, span_id);
    out += '-';
    append_hex(out, std::array<std::uint8_t, 1>{flags});
}

std::string TraceContext::trace_id_hex() const {
    std::string out;
    append_trace_id_hex(out);
    return out;
}

std::string TraceContext::span_id_hex() const {
    std::string out;
    append_span_id_hex(out);
    return out;
}

std::string TraceContext::traceparent() const {
    std::string out;
    append_traceparent(out);
    return out;
}

std::optional<TraceContext> TraceContext::parse(std::string_view text) noexcept {
    // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 characters.
    if (text.size() < 55 || text[2] != '-' || text[35] != '-' || text[52] != '-') return std::nullopt;
    std::uint8_t version = 0;
    if (!read_hex(text.substr(0, 2), &version, 1) || version == 0xff) return std::nullopt;
    if (version == 0 && text.size() != 55) return std::nullopt;
    if (version != 0 && text.size() > 55 && text[55] != '-') return std::nullopt;
    TraceContext context;
    if (!read_hex(text.substr(3, 32), context.trace_id.data(), 16) ||
        !read_hex(text.substr(36, 16), context.span_id.data(), 8) ||
        !read_hex(text.substr(53, 2), &context.flags, 1)) {
        return std::nullopt;
    }
    if (!context.valid()) return std::nullopt;
    return context;
}

TraceContext TraceContext::child() const noexcept {
    TraceContext context = *this;
    fill_random(context.span_id);
    return context;
}

TraceContext TraceContext::new_root() noexcept {
    TraceContext context;
    fill_random(context.trace_id);
    fill_random(context.span_id);
    return context;
}

}  // namespace agentroute
