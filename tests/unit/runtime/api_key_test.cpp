// `save_api_key` (what `agentroute login` calls) writes the key as ssh-keygen writes a private
// key: never through a link or into a file planted beside it, never changing a folder it did
// not create, and saying what is wrong with a relative path.

#include <agentroute/api_key.hpp>
#include <agentroute/errors.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace agentroute;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

class SaveApiKey : public ::testing::Test {
protected:
    void SetUp() override {
        char name[] = "/tmp/agentroute-key-XXXXXX";
        ASSERT_NE(::mkdtemp(name), nullptr);
        dir_ = name;
        const char* old = std::getenv("AGENTROUTE_CONFIG");
        if (old) old_config_ = old;
    }
    void TearDown() override {
        if (old_config_) ::setenv("AGENTROUTE_CONFIG", old_config_->c_str(), 1);
        else ::unsetenv("AGENTROUTE_CONFIG");
        fs::remove_all(dir_);
    }
    void use_config(const fs::path& p) { ::setenv("AGENTROUTE_CONFIG", p.c_str(), 1); }

    fs::path dir_;
    std::optional<std::string> old_config_;
};

mode_t mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode;
}

}  // namespace

TEST_F(SaveApiKey, ALinkPlantedAtTheOldTempNameIsNotWrittenThrough) {
    const fs::path victim = dir_ / "victim";
    write(victim, "precious\n");
    fs::create_symlink(victim, dir_ / "config.tmp");
    use_config(dir_ / "config");
    save_api_key("sk-or-v1-secret");
    EXPECT_EQ(read(victim), "precious\n");
    EXPECT_TRUE(fs::is_symlink(dir_ / "config.tmp"));  // left alone
    EXPECT_FALSE(fs::is_symlink(dir_ / "config"));
    EXPECT_EQ(mode_of(dir_ / "config") & 07777, 0600u);
    EXPECT_NE(read(dir_ / "config").find("api_key = sk-or-v1-secret"), std::string::npos);
}

TEST_F(SaveApiKey, ALinkAtTheConfigItselfIsReplacedNotFollowed) {
    const fs::path victim = dir_ / "victim";
    write(victim, "precious\n");
    fs::create_symlink(victim, dir_ / "config");
    use_config(dir_ / "config");
    save_api_key("sk-or-v1-secret");
    EXPECT_EQ(read(victim), "precious\n");
    EXPECT_FALSE(fs::is_symlink(dir_ / "config"));
    EXPECT_EQ(find_api_key()->key, "sk-or-v1-secret");
}

TEST_F(SaveApiKey, AFilePreCreatedByAnotherUserBesideItIsNotUsed) {
    write(dir_ / "config.tmp", "someone else's\n");
    if (::geteuid() == 0) {
        ASSERT_EQ(::chown((dir_ / "config.tmp").c_str(), 65534, 65534), 0);
    }
    use_config(dir_ / "config");
    save_api_key("sk-or-v1-secret");
    EXPECT_EQ(read(dir_ / "config.tmp"), "someone else's\n");
    struct stat st {};
    ASSERT_EQ(::stat((dir_ / "config").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, ::geteuid());
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    for (const auto& entry : fs::directory_iterator(dir_)) {  // no temp file left behind
        EXPECT_TRUE(entry.path().filename() == "config" || entry.path().filename() == "config.tmp") << entry.path();
    }
}

TEST_F(SaveApiKey, AFolderThatExistsKeepsItsMode) {
    const fs::path shared = dir_ / "shared";
    fs::create_directory(shared);
    ASSERT_EQ(::chmod(shared.c_str(), 01777), 0);
    use_config(shared / "config");
    save_api_key("sk-or-v1-secret");
    EXPECT_EQ(mode_of(shared) & 07777, 01777u);
}

TEST_F(SaveApiKey, MissingFoldersAreCreatedPrivate) {
    use_config(dir_ / "home" / ".agentroute" / "config");
    save_api_key("sk-or-v1-secret");
    EXPECT_EQ(mode_of(dir_ / "home") & 07777, 0700u);
    EXPECT_EQ(mode_of(dir_ / "home" / ".agentroute") & 07777, 0700u);
    EXPECT_EQ(mode_of(dir_) & 07777, 0700u);  // mkdtemp's own, untouched
}

TEST_F(SaveApiKey, ARelativePathSaysWhatIsWrong) {
    use_config("config");
    try {
        save_api_key("sk-or-v1-secret");
        FAIL() << "a relative config path was accepted";
    } catch (const ErrorConfig& e) {
        EXPECT_NE(std::string(e.what()).find("relative"), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).find("sk-or-v1-secret"), std::string::npos);
    }
}
