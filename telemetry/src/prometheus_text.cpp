#include "prometheus_text.hpp"

#include <charconv>
#include <cmath>

namespace agentroute::telemetry::detail {
namespace {

void append_number(std::string& out, double v) {
    if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
        return;
    }
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
    out.append(buffer, end);
}

}  // namespace

void append_escaped_label(std::string& out, std::string_view value) {
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
}

std::string escape_label(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    append_escaped_label(out, value);
    return out;
}

void append_family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

namespace {
void append_name(std::string& out, std::string_view name, std::string_view labels) {
    out += name;
    if (!labels.empty()) {
        out += '{';
        out += labels;
        out += '}';
    }
    out += ' ';
}
}  // namespace

void append_sample(std::string& out, std::string_view name, std::string_view labels, double value) {
    append_name(out, name, labels);
    append_number(out, value);
    out += '\n';
}

void append_sample(std::string& out, std::string_view name, std::string_view labels, std::uint64_t value) {
    append_name(out, name, labels);
    out += std::to_string(value);
    out += '\n';
}

void Histogram::observe(double value) {
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        if (value <= bounds_[i]) ++counts_[i];
    }
    ++count_;
    sum_ += value;
}

void Histogram::append(std::string& out, std::string_view name, std::string_view labels) const {
    const std::string bucket = std::string(name) + "_bucket";
    const std::string prefix = labels.empty() ? std::string() : std::string(labels) + ",";
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        std::string le = prefix + "le=\"";
        append_number(le, bounds_[i]);
        le += '"';
        append_sample(out, bucket, le, counts_[i]);
    }
    append_sample(out, bucket, prefix + "le=\"+Inf\"", count_);
    append_sample(out, std::string(name) + "_sum", labels, sum_);
    append_sample(out, std::string(name) + "_count", labels, count_);
}

std::vector<std::uint64_t> Histogram::bucket_counts() const {
    std::vector<std::uint64_t> out(bounds_.size() + 1);
    std::uint64_t below = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        out[i] = counts_[i] - below;
        below = counts_[i];
    }
    out.back() = count_ - below;
    return out;
}

}  // namespace agentroute::telemetry::detail
