#include "args.hpp"

#include <agentroute/errors.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace agentroute::cli {

Args::Args(int argc, char** argv, int first, const std::vector<std::string>& flags) {
    for (int i = first; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) != 0 || a == "--") {
            positional_.push_back(std::move(a));
            continue;
        }
        a.erase(0, 2);
        if (const auto eq = a.find('='); eq != std::string::npos) {
            values_[a.substr(0, eq)] = a.substr(eq + 1);
        } else if (std::find(flags.begin(), flags.end(), a) != flags.end()) {
            flags_set_.push_back(a);
        } else if (i + 1 < argc) {
            values_[a] = argv[++i];
        } else {
            throw UsageError("--" + a + " needs a value");
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
        return code;
    }
}

}  // namespace agentroute::cli
