#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace agentroute::cli {

/// Exit codes scripts can rely on.
enum Exit : int {
    ok = 0,
    failure = 1,       // anything else
    usage_error = 2,   // bad command line
    config_error = 3,  // missing/wrong key, unknown model, bad URL or CA file
    guard_stop = 4,    // max_cost, max_turns or retries stopped the run
    remote_error = 5,  // HTTP, network, timeout or protocol error
    interrupted = 130, // SIGINT or SIGTERM cancelled the run (128 + SIGINT, as shells say)
};

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// `--name value`, `--name=value` and `--flag`; everything else is positional. An option
/// that is neither one of `flags` nor one of `options` is a `UsageError` naming the nearest
/// valid one: a misspelled `--max-cost` must never run without its limit.
class Args {
public:
    Args(int argc, char** argv, int first, const std::vector<std::string>& flags,
         const std::vector<std::string>& options);

    std::optional<std::string> value(const std::string& name) const;
    bool flag(const std::string& name) const;
    const std::vector<std::string>& positional() const { return positional_; }
    double number(const std::string& name, double fallback) const;

private:
    std::map<std::string, std::string> values_;
    std::vector<std::string> flags_set_;
    std::vector<std::string> positional_;
};

int cmd_login(const Args& args);
int cmd_run(const Args& args);
int cmd_models(const Args& args);
int cmd_fake_server(const Args& args);
int cmd_serve(const Args& args);

/// Maps an exception to a message on stderr and an exit code.
int report(std::exception_ptr error);

}  // namespace agentroute::cli
