// The config file's key reader (`~/.agentroute/config`, or AGENTROUTE_CONFIG): any bytes as
// the file. A key found is one line's value, trimmed: never empty, never with a newline.

#include <agentroute/api_key.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {

// Two files taken in turn, so that the reader's cache (by path, inode, size and mtime) never
// answers for the previous input.
std::string config_file(int which) {
    static const std::string dir = [] {
        char pattern[] = "/tmp/agentroute-fuzz-config-XXXXXX";
        const char* made = ::mkdtemp(pattern);
        if (made == nullptr) std::abort();
        return std::string(made);
    }();
    static const bool cleaned_at_exit = [] {
        std::atexit([] {
            for (const char* name : {"/a", "/b"}) std::remove((dir + name).c_str());
            ::rmdir(dir.c_str());
        });
        return true;
    }();
    (void)cleaned_at_exit;
    return dir + (which == 0 ? "/a" : "/b");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    ::unsetenv("AGENTROUTE_API_KEY");
    ::unsetenv("OPENROUTER_API_KEY");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static int turn = 0;
    const std::string path = config_file(turn ^= 1);
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) std::abort();
    if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
    ::setenv("AGENTROUTE_CONFIG", path.c_str(), 1);
    if (auto found = agentroute::find_api_key(std::nullopt)) {
        if (found->key.empty() || found->key.find('\n') != std::string::npos) std::abort();
    }
    return 0;
}
