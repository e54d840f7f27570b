// A child process writing memories and conversation turns is killed with SIGKILL at random
// points; after reopening, everything it was told was committed is there, and no half-turn.

#include <agentroute/memory/memory_sqlite.hpp>

#include <agentroute_test/run_co.hpp>
#include <agentroute_test/temp_dir.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <random>
#include <set>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

using namespace agentroute;
using agentroute::test::run_co;
using agentroute::test::TempDir;

namespace {

struct Acknowledged {
    int last_memory = -1;
    std::set<int> turns;
};

// Starts the writer, reads its acknowledgements for `run_for`, then kills it with SIGKILL.
Acknowledged run_and_kill(const std::string& path, int first, std::chrono::milliseconds run_for) {
    int out[2];
    EXPECT_EQ(pipe(out), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const std::string first_arg = std::to_string(first);
    char* argv[] = {const_cast<char*>(MEMORY_WRITER_PATH), const_cast<char*>(path.c_str()),
                    const_cast<char*>(first_arg.c_str()), nullptr};
    pid_t pid = 0;
    EXPECT_EQ(posix_spawn(&pid, MEMORY_WRITER_PATH, &actions, nullptr, argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);

    // Read until the deadline, then kill: lines read before the kill are acknowledgements.
    const auto deadline = std::chrono::steady_clock::now() + run_for;
    std::string buffer;
    Acknowledged ack;
    char chunk[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(out[0], &fds);
        timeval tv{0, 5000};
        if (select(out[0] + 1, &fds, nullptr, nullptr, &tv) <= 0) continue;
        const ssize_t n = read(out[0], chunk, sizeof chunk);
        if (n <= 0) break;
        buffer.append(chunk, static_cast<std::size_t>(n));
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    close(out[0]);
    std::size_t start = 0;
    for (std::size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
        char kind = 0;
        int value = 0;
        if (std::sscanf(buffer.c_str() + start, "%c %d", &kind, &value) != 2) continue;
        if (kind == 'M') ack.last_memory = value;
        if (kind == 'C') ack.turns.insert(value);
    }
    return ack;
}

}  // namespace

TEST(MemoryDurability, SigkillNeverLosesACommitOrLeavesAHalfTurn) {
    TempDir dir;
    const std::string path = dir.file("durable.db");
    std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<int> ms(30, 250);
    int first = 0;
    std::set<int> acknowledged_turns;
    for (int round = 0; round < 6; ++round) {
        Acknowledged ack = run_and_kill(path, first, std::chrono::milliseconds(ms(rng)));
        acknowledged_turns.insert(ack.turns.begin(), ack.turns.end());

        MemorySQLite memory(path);
        for (int i = first; i <= ack.last_memory; ++i) {
            ASSERT_TRUE(run_co(memory.get("k" + std::to_string(i), "ns")).has_value())
                << "acknowledged memory k" << i << " lost in round " << round;
        }
        auto conversation = run_co(memory.load_conversation("conv"));
        ASSERT_EQ(conversation.size() % 5, 0u) << "a half-turn was stored";
        std::set<int> stored_turns;
        for (std::size_t t = 0; t < conversation.size(); t += 5) {
            EXPECT_EQ(conversation[t].role, Role::user);
            EXPECT_EQ(conversation[t + 1].tool_calls.size(), 2u);
            EXPECT_EQ(conversation[t + 2].role, Role::tool);
            EXPECT_EQ(conversation[t + 3].role, Role::tool);
            EXPECT_EQ(conversation[t + 4].role, Role::assistant);
            stored_turns.insert(std::stoi(conversation[t].content.substr(9)));
        }
        for (int turn : acknowledged_turns) EXPECT_TRUE(stored_turns.count(turn)) << "turn " << turn;
        first = std::max(first, ack.last_memory + 1) + 1000;  // fresh keys for the next round
    }
}
