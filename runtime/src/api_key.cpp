#include <agentroute/api_key.hpp>
#include <agentroute/errors.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string_view>
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

bool write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// Creates the missing folders of `dir`, each mode 0700 (like ~/.ssh). A folder that already
// exists is left as it is: its mode is its owner's choice (a shared 1777 folder stays 1777).
void make_private_dirs(const std::filesystem::path& dir) {
    std::error_code ec;
    if (dir.empty() || std::filesystem::is_directory(dir, ec)) return;
    make_private_dirs(dir.parent_path());
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        throw ErrorConfig("cannot create " + dir.string() + ": " + std::strerror(errno));
    }
    if (!std::filesystem::is_directory(dir, ec)) throw ErrorConfig(dir.string() + " is not a folder");
}

// The config file's key, read again only when the file changed: runs resolve their key as
// they start, and a stat is all most of them cost.
std::optional<std::string> cached_config_key(const std::string& path) {
    struct Seen {
        std::string path;
        struct stat st {};
        bool exists = false;
        std::optional<std::string> key;
    };
    static std::mutex mutex;
    static Seen seen;
    struct stat st {};
    const bool exists = ::stat(path.c_str(), &st) == 0;
    std::lock_guard lock(mutex);
    const bool same = seen.path == path && seen.exists == exists &&
                      (!exists || (seen.st.st_ino == st.st_ino && seen.st.st_size == st.st_size &&
                                   seen.st.st_mtim.tv_sec == st.st_mtim.tv_sec &&
                                   seen.st.st_mtim.tv_nsec == st.st_mtim.tv_nsec));
    if (!same) seen = Seen{path, st, exists, exists ? read_config_key(path) : std::nullopt};
    return seen.key;
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
    if (auto key = cached_config_key(path)) return FoundApiKey{*key, path};
    return std::nullopt;
}

void save_api_key(const std::string& key) {
    namespace fs = std::filesystem;
    const fs::path path = config_path();
    if (!path.is_absolute()) {
        throw ErrorConfig("the config path '" + path.string() +
                          "' is relative (AGENTROUTE_CONFIG must be an absolute path, e.g. $HOME/.agentroute/config)");
    }
    if (path.filename().empty()) throw ErrorConfig("the config path '" + path.string() + "' names a folder, not a file");
    make_private_dirs(path.parent_path());

    // A fresh file of our own beside the target (O_EXCL: never one planted there, never through
    // a link), mode 0600 from the start, then renamed over the target: rename replaces a link
    // at `path` itself, it does not write through it.
    std::string tmp = path.string() + ".XXXXXX";
    const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
    if (fd < 0) throw ErrorConfig("cannot create a file in " + path.parent_path().string() + ": " + std::strerror(errno));
    const std::string text = "# written by `agentroute login`\napi_key = " + key + "\n";
    const bool written = ::fchmod(fd, 0600) == 0 && write_all(fd, text) && ::fsync(fd) == 0;
    const int write_errno = errno;
    ::close(fd);
    if (!written) {
        ::unlink(tmp.c_str());
        throw ErrorConfig("cannot write " + tmp + ": " + std::strerror(write_errno));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int rename_errno = errno;
        ::unlink(tmp.c_str());
        throw ErrorConfig("cannot replace " + path.string() + ": " + std::strerror(rename_errno));
    }
    // The rename itself survives a crash once the folder is synced.
    if (const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
}

}  // namespace agentroute
