#include <agentroute/telemetry/span.hpp>
#include <agentroute/telemetry/span_recorder.hpp>

namespace agentroute::telemetry {

const AttributeValue* Span::attribute(std::string_view key) const noexcept {
    for (const Attribute& a : attributes) {
        if (a.key == key) return &a.value;
    }
    return nullptr;
}

std::optional<std::string> Span::string_attribute(std::string_view key) const {
    const AttributeValue* v = attribute(key);
    if (const auto* s = v ? std::get_if<std::string>(v) : nullptr) return *s;
    return std::nullopt;
}

std::optional<std::int64_t> Span::int_attribute(std::string_view key) const {
    const AttributeValue* v = attribute(key);
    if (const auto* i = v ? std::get_if<std::int64_t>(v) : nullptr) return *i;
    return std::nullopt;
}

std::optional<double> Span::double_attribute(std::string_view key) const {
    const AttributeValue* v = attribute(key);
    if (const auto* d = v ? std::get_if<double>(v) : nullptr) return *d;
    return std::nullopt;
}

void SpanRecorder::on_end(const Span& span) noexcept {
    try {
        const std::lock_guard lock(mutex_);
        spans_.push_back(span);
    } catch (...) {
        // Out of memory: a test recorder loses the span rather than end the run.
    }
}

std::vector<Span> SpanRecorder::spans() const {
    const std::lock_guard lock(mutex_);
    return spans_;
}

std::vector<Span> SpanRecorder::spans_named(std::string_view name) const {
    const std::lock_guard lock(mutex_);
    std::vector<Span> out;
    for (const Span& s : spans_) {
        if (s.name == name) out.push_back(s);
    }
    return out;
}

void SpanRecorder::clear() {
    const std::lock_guard lock(mutex_);
    spans_.clear();
}

}  // namespace agentroute::telemetry
