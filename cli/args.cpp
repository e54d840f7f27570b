#include "args.hpp"

#include <agentroute/errors.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace agentroute::cli {

namespace {

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

[[noreturn]] void refuse_unknown(const std::string& name, const std::vector<std::string>& flags,
                                 const std::vector<std::string>& options) {
    const std::string* nearest = nullptr;
    std::size_t best = std::string::npos;
    for (const auto* names : {&flags, &options}) {
        for (const std::string& known : *names) {
            if (const std::size_t d = edit_distance(name, known); d < best) {
                best = d;
                nearest = &known;
            }
        }
    }
    std::string message = "unknown option --" + name;
    if (nearest) message += "; did you mean --" + *nearest + "?";
    throw UsageError(message);
}

}  // namespace

Args::Args(int argc, char** argv, int first, const std::vector<std::string>& flags,
           const std::vector<std::string>& options) {
    for (int i = first; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) != 0 || a == "--") {
            positional_.push_back(std::move(a));
            continue;
        }
        a.erase(0, 2);
        const auto eq = a.find('=');
        const std::string name = a.substr(0, eq);
        if (contains(flags, name)) {
            if (eq != std::string::npos) throw UsageError("--" + name + " takes no value");
            flags_set_.push_back(name);
        } else if (!contains(options, name)) {
            refuse_unknown(name, flags, options);
        } else if (eq != std::string::npos) {
            values_[name] = a.substr(eq + 1);
        } else if (i + 1 < argc) {
            values_[name] = argv[++i];
        } else {
            throw UsageError("--" + name + " needs a value");
        }
    }
}

std::optional<std::string> Args::value(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? std::nullopt : std::optional(it->second);
}

bool Args::flag(const std::string& name) const {
    return std::find(flags_set_.begin(), flags_set_.end(), name) != flags_set_.end();
}

double Args::number(const std::string& name, double fallback) const {
    auto v = value(name);
    if (!v) return fallback;
    char* end = nullptr;
    const double d = std::strtod(v->c_str(), &end);
    if (end == v->c_str() || *end != '\0') throw UsageError("--" + name + " takes a number, not '" + *v + "'");
    return d;
}

namespace {

template <class... E>
bool is_any(const std::exception& e) {
    return (... || (dynamic_cast<const E*>(&e) != nullptr));
}

int exit_code(const std::exception& e) {
    if (is_any<UsageError>(e)) return usage_error;
    if (is_any<ErrorCancelled>(e)) return interrupted;
    if (is_any<ErrorConfig, ErrorAuth>(e)) return config_error;
    if (is_any<ErrorBudget, ErrorMaxTurns, ErrorRetries>(e)) return guard_stop;
    if (is_any<ErrorHttp, ErrorNetwork, ErrorProtocol>(e)) return remote_error;
    return failure;
}

}  // namespace

int report(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        const int code = exit_code(e);
        std::cerr << "agentroute: " << e.what() << (code == usage_error ? " (see --help)" : "") << "\n";
        // What the run spent before it ended is still spent.
        if (const auto* agent_error = dynamic_cast<const ErrorAgent*>(&e); agent_error && agent_error->usage() != Usage{}) {
            std::cerr << "agentroute: spent " << agent_error->usage() << "\n";
        }
        return code;
    }
}

}  // namespace agentroute::cli
