// Four processes, a hundred concurrent runs each, share one PostgreSQL database and one set
// of conversations and one running total; one is killed with SIGKILL mid-run, then the rest.
// Every write a process acknowledged is there, every conversation holds whole turns only, none
// twice, and every add to the total counted once.

#include <agentroute/memory/memory_postgres.hpp>

#include <agentroute_test/postgres.hpp>
#include <agentroute_test/run_co.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <iostream>
#include <map>
#include <poll.h>
#include <set>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

using namespace agentroute;
using namespace std::chrono_literals;
using agentroute::test::run_co;

namespace {

struct Writer {
    pid_t pid = 0;
    int out = -1;
    std::string lines;
};

Writer spawn_writer(const std::string& conninfo, const std::string& schema, const std::string& name, int runs) {
    int out[2];
    EXPECT_EQ(pipe(out), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const std::string runs_arg = std::to_string(runs);
    char* argv[] = {const_cast<char*>(POSTGRES_WRITER_PATH), const_cast<char*>(conninfo.c_str()),
                    const_cast<char*>(schema.c_str()), const_cast<char*>(name.c_str()),
                    const_cast<char*>(runs_arg.c_str()), nullptr};
    Writer w;
    EXPECT_EQ(posix_spawn(&w.pid, POSTGRES_WRITER_PATH, &actions, nullptr, argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    w.out = out[0];
    return w;
}

// Reads what the writers print until `until` (or, for killed ones, until their pipe ends).
void read_until(std::vector<Writer>& writers, std::chrono::steady_clock::time_point until) {
    char chunk[65536];
    for (;;) {
        std::vector<pollfd> fds;
        for (const Writer& w : writers) fds.push_back({w.out, POLLIN, 0});
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        if (poll(fds.data(), fds.size(), static_cast<int>(left.count())) <= 0) continue;
        bool any_open = false;
        for (std::size_t i = 0; i < writers.size(); ++i) {
            if (writers[i].out < 0) continue;
            if (fds[i].revents == 0) {
                any_open = true;
                continue;
            }
            const ssize_t n = read(writers[i].out, chunk, sizeof chunk);
            if (n <= 0) {
                close(writers[i].out);
                writers[i].out = -1;
                continue;
            }
            writers[i].lines.append(chunk, static_cast<std::size_t>(n));
            any_open = true;
        }
        if (!any_open) return;
    }
}

void kill_and_drain(std::vector<Writer>& writers, std::size_t which) {
    kill(writers[which].pid, SIGKILL);
    int status = 0;
    waitpid(writers[which].pid, &status, 0);
    // What it printed before it died is acknowledged: read the pipe to its end.
    std::vector<Writer> one{writers[which]};
    read_until(one, std::chrono::steady_clock::now() + 5s);
    writers[which] = one.front();
}

}  // namespace

TEST(MemoryPostgresProcesses, FourWritersShareOneDatabaseAndSigkillLosesNothingAcknowledged) {
    const std::string schema = test::fresh_postgres_schema();
    MemoryPostgresOptions options;
    options.schema = schema;
    MemoryPostgres reader(test::postgres_conninfo(), options);

    std::vector<Writer> writers;
    for (int i = 0; i < 4; ++i) writers.push_back(spawn_writer(test::postgres_conninfo(), schema, "w" + std::to_string(i), 100));
    const auto start = std::chrono::steady_clock::now();
    read_until(writers, start + 1500ms);
    kill_and_drain(writers, 0);  // mid-run: a hundred of its writes in flight
    read_until(writers, start + 3000ms);
    for (std::size_t i = 1; i < writers.size(); ++i) kill_and_drain(writers, i);

    std::set<std::string> memories_acked;
    std::map<std::string, std::set<std::string>> turns_acked;
    std::size_t turn_count = 0;
    std::multiset<double> totals_acked;
    for (const Writer& w : writers) {
        std::istringstream in(w.lines);
        std::string kind, a, b;
        while (in >> kind) {
            if (kind == "T" && in >> a) totals_acked.insert(std::stod(a));
            if (kind == "M" && in >> a) memories_acked.insert(a);
            if (kind == "C" && in >> a >> b) {
                turns_acked[a].insert(b);
                ++turn_count;
            }
        }
    }
    EXPECT_GT(turn_count, 200u) << "the writers hardly wrote: is the server slow?";
    std::cout << memories_acked.size() << " memories and " << turn_count << " turns acknowledged by 4 processes\n";

    std::set<std::string> memories_stored;
    for (const MemoryRecord& r : run_co(reader.recent("ns", 10'000'000))) memories_stored.insert(r.key);
    for (const std::string& key : memories_acked) EXPECT_TRUE(memories_stored.count(key)) << "memory " << key << " lost";

    // Each acknowledged add saw a total of its own; the final total counts every add that ran:
    // at least the acknowledged, at most those plus the 400 that could be in flight at the kills.
    for (double t : totals_acked) EXPECT_EQ(totals_acked.count(t), 1u) << "two adds saw the total " << t;
    const double final_total = run_co(reader.add_to_total("spend", 0));
    EXPECT_GE(final_total, 0.125 * static_cast<double>(totals_acked.size()));
    EXPECT_LE(final_total, 0.125 * static_cast<double>(totals_acked.size() + 400));
    if (!totals_acked.empty()) {
        EXPECT_LE(*totals_acked.rbegin(), final_total);
    }

    for (int c = 0; c < 10; ++c) {
        const std::string conv = "conv" + std::to_string(c);
        const std::vector<Message> stored = run_co(reader.load_conversation(conv));
        ASSERT_EQ(stored.size() % 5, 0u) << conv << " holds a part of a turn";
        std::set<std::string> turns;
        for (std::size_t k = 0; k < stored.size(); k += 5) {
            const std::string id = stored[k].content.substr(std::string("question ").size());
            EXPECT_EQ(stored[k].content, "question " + id);
            ASSERT_EQ(stored[k + 1].tool_calls.size(), 2u) << conv << " turn " << id << " interleaved";
            EXPECT_EQ(stored[k + 1].tool_calls[0].id, id + "a");
            EXPECT_EQ(stored[k + 2].tool_call_id, id + "a");
            EXPECT_EQ(stored[k + 3].tool_call_id, id + "b");
            EXPECT_EQ(stored[k + 4].content, "answer " + id);
            EXPECT_TRUE(turns.insert(id).second) << conv << " holds turn " << id << " twice";
        }
        for (const std::string& id : turns_acked[conv]) EXPECT_TRUE(turns.count(id)) << conv << " lost turn " << id;
    }
}
