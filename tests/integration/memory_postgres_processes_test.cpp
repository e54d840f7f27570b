// Four processes, a hundred concurrent runs each, share one PostgreSQL database and one set
// of conversations and one running total; one is killed with SIGKILL mid-run, then the rest.
// Every write a process acknowledged is there, every conversation holds whole turns only, none
// twice, and every add to the total counted once. Then the same with the processes on two
// "hosts": network namespaces of their own, reaching the database over veth links.

#include <agentroute/memory/memory_postgres.hpp>

#include <agentroute_test/postgres.hpp>
#include <agentroute_test/run_co.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <poll.h>
#include <set>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
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

// The writer, or with `netns` set the writer inside that network namespace (`ip netns exec`
// replaces itself with it: the pid is the writer's).
Writer spawn_writer(const std::string& conninfo, const std::string& schema, const std::string& name, int runs,
                    const std::string& netns = {}) {
    int out[2];
    EXPECT_EQ(pipe(out), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> args;
    if (!netns.empty()) args = {"ip", "netns", "exec", netns};
    for (const std::string& a : {std::string(POSTGRES_WRITER_PATH), conninfo, schema, name, std::to_string(runs)}) {
        args.push_back(a);
    }
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    Writer w;
    EXPECT_EQ(posix_spawnp(&w.pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
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

// Four writers of a hundred runs each, started by `spawn`: one killed with SIGKILL mid-run,
// then the rest; then everything each acknowledged is checked in the database.
template <class Spawn>
void four_writers_then_check(const std::string& reader_conninfo, const std::string& schema, Spawn spawn) {
    MemoryPostgresOptions options;
    options.schema = schema;
    MemoryPostgres reader(reader_conninfo, options);

    std::vector<Writer> writers;
    for (int i = 0; i < 4; ++i) writers.push_back(spawn(i));
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

}  // namespace

TEST(MemoryPostgresProcesses, FourWritersShareOneDatabaseAndSigkillLosesNothingAcknowledged) {
    const std::string schema = test::fresh_postgres_schema();
    four_writers_then_check(test::postgres_conninfo(), schema, [&](int i) {
        return spawn_writer(test::postgres_conninfo(), schema, "w" + std::to_string(i), 100);
    });
}

namespace {

// Two network namespaces, each with a veth link to this machine, removed at the end.
class TwoHosts {
public:
    TwoHosts() {
        const std::string stem = "ar" + std::to_string(::getpid() % 100000);
        for (int n = 1; n <= 2; ++n) {
            names_.push_back(stem + char('a' + n - 1));
            netns("up " + names_.back() + " " + std::to_string(n));
        }
    }
    ~TwoHosts() {
        for (const std::string& name : names_) netns("down " + name, false);
    }
    TwoHosts(const TwoHosts&) = delete;
    TwoHosts& operator=(const TwoHosts&) = delete;

    static bool possible() { return netns("check", false); }
    const std::string& name(int host) const { return names_.at(static_cast<std::size_t>(host)); }
    /// The database's address as host `host` (0 or 1) reaches it: this machine's end of its link.
    static std::string server_address(int host) { return "10.231." + std::to_string(host + 1) + ".1"; }

private:
    static bool netns(const std::string& args, bool must = true) {
        const std::string line = std::string("'") + NETNS_SCRIPT_PATH + "' " + args + " 2>/dev/null";
        const bool ok = std::system(line.c_str()) == 0;
        if (must && !ok) throw std::runtime_error("`" + line + "` failed");
        return ok;
    }
    std::vector<std::string> names_;
};

std::string with_host(const std::string& conninfo, const std::string& host) {
    const std::size_t at = conninfo.find("host=127.0.0.1");
    return conninfo.substr(0, at) + "host=" + host + conninfo.substr(at + std::string("host=127.0.0.1").size());
}

}  // namespace

TEST(MemoryPostgresHosts, WritersOnTwoHostsShareOneDatabaseOverTheirLinks) {
    if (!TwoHosts::possible()) {
        GTEST_SKIP() << "this machine does not let the test create network namespaces (root and CAP_NET_ADMIN "
                        "are needed): the multi-process test above stands for it";
    }
    TwoHosts hosts;  // before the server: it listens on the links' addresses
    test::PostgresServer server(TwoHosts::server_address(0) + "," + TwoHosts::server_address(1));
    const std::string schema = test::fresh_postgres_schema();
    // A host of its own: from inside, this machine's loopback server is not there.
    Writer lost = spawn_writer(server.conninfo(), schema, "nowhere", 1, hosts.name(0));
    int status = 0;
    waitpid(lost.pid, &status, 0);
    close(lost.out);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << "the namespace reached 127.0.0.1 of this machine";

    four_writers_then_check(server.conninfo(), schema, [&](int i) {
        const int host = i % 2;
        return spawn_writer(with_host(server.conninfo(), TwoHosts::server_address(host)), schema,
                            "h" + std::to_string(host) + "w" + std::to_string(i), 100, hosts.name(host));
    });
}
