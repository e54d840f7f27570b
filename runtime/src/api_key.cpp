#include <agentroute/api_key.hpp>
#include <agentroute/errors.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

namespace agentroute {
namespace {

std::optional<std::string> env(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v) return std::nullopt;
    return std::string(v);
}

std::string trim(std::string s) {
    const auto first = s.find_first_not_of(" \t\r\n\"'");
    if (first == std::string::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t\r\n\"'") - first + 1);
}

// `api_key = sk-...` (also `api_key: ...`); '#' starts a comment line.
std::optional<std::string> read_config_key(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        line = trim(line);
        if (line.empty() || line.front() == '#') continue;
        const auto sep = line.find_first_of("=:");
        if (sep == std::string::npos || trim(line.substr(0, sep)) != "api_key") continue;
        std::string key = trim(line.substr(sep + 1));
        if (!key.empty()) return key;
    }
    return std::nullopt;
}

}  // namespace

std::string config_path() {
    if (auto p = env("AGENTROUTE_CONFIG")) return *p;
    const auto home = env("HOME");
    return (std::filesystem::path(home.value_or(".")) / ".agentroute" / "config").string();
}

std::optional<FoundApiKey> find_api_key(const std::optional<std::string>& explicit_key) {
    if (explicit_key && !explicit_key->empty()) return FoundApiKey{*explicit_key, "api_key option"};
    for (const char* name : {"AGENTROUTE_API_KEY", "OPENROUTER_API_KEY"}) {
        if (auto v = env(name)) return FoundApiKey{*v, name};
    }
    const std::string path = config_path();
    if (auto key = read_config_key(path)) return FoundApiKey{*key, path};
    return std::nullopt;
}

void save_api_key(const std::string& key) {
    namespace fs = std::filesystem;
    const fs::path path = config_path();
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) throw ErrorConfig("cannot create " + path.parent_path().string() + ": " + ec.message());
    ::chmod(path.parent_path().c_str(), 0700);
    const fs::path tmp = path.string() + ".tmp";
    // Created 0600 from the start: the key is never readable by others, not even briefly.
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) throw ErrorConfig("cannot write " + tmp.string());
    const std::string text = "# written by `agentroute login`\napi_key = " + key + "\n";
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                    ::fchmod(fd, 0600) == 0 && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) throw ErrorConfig("cannot write " + tmp.string());
    fs::rename(tmp, path, ec);
    if (ec) throw ErrorConfig("cannot replace " + path.string() + ": " + ec.message());
}

}  // namespace agentroute
