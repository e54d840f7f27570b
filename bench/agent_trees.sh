#!/usr/bin/env bash
# What a child agent costs next to a tool call: N concurrent runs against our fake, which
# answers every tool-call turn with three calls at once (`fake-server --tool-calls 3`), as
#   single  one agent, three lookups a turn: 2 model calls a run
#   tree    a parent whose three calls go to a child agent each (Agent::as_tool), each child
#           doing the single agent's run: 8 model calls a tree
# and, for reference, `scenario`: the peers' scenario (one lookup a turn, `--tool-calls 1`),
# the single-agent runs of docs/performance.md. In turn, a fresh fake per client run. Prints
# CPU per model call and peak RSS per run (tree) in flight, the medians of the repetitions,
# and the ratios tree / single.
#
# usage: bench/agent_trees.sh [-n 1000] [-l 200] [-r 3]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=1000; lat=200; reps=3
while getopts "n:l:r:h" opt; do
  case $opt in
    n) n=$OPTARG ;; l) lat=$OPTARG ;; r) reps=$OPTARG ;; h) sed -n '2,9p' "$0"; exit 0 ;; *) exit 2 ;;
  esac
done
"$root/scripts/install-deps.sh"
build=$(realpath -m "${BUILD_DIR:-$root/build/release}")
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTROUTE_BUILD_BENCH=ON \
  -DAGENTROUTE_BUILD_TESTS=OFF -DAGENTROUTE_BUILD_DOC_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target agentroute_bench_load agentroute_cli

work=$(mktemp -d "${TMPDIR:-/tmp}/agent-trees.XXXXXX")
trap 'kill "$fake_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
fake_pid=
results=$work/results.jsonl
one() {  # one client run on a fresh fake: $1 = scenario | single | tree
  calls=3; [ "$1" = scenario ] && calls=1
  "$build/cli/agentroute" fake-server --latency-ms "$lat" --tool-calls "$calls" > "$work/fake.json" &
  fake_pid=$!
  for _ in $(seq 100); do grep -q ready "$work/fake.json" 2>/dev/null && break; sleep 0.1; done
  url=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["url"])' "$work/fake.json")
  ca=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["ca"])' "$work/fake.json")
  tree=0; [ "$1" = tree ] && tree=1
  FAKE_URL=$url FAKE_CA=$ca BENCH_TREE=$tree BENCH_LABEL="-$1" "$build/bench/agentroute_bench_load" "$n" >> "$results"
  kill "$fake_pid"; wait "$fake_pid" 2>/dev/null || true
}
for r in $(seq "$reps"); do
  if [ $((r % 2)) -eq 1 ]; then one scenario; one single; one tree; else one tree; one single; one scenario; fi
done
cat "$results" >&2

python3 - "$results" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    c = json.loads(line)
    rows.setdefault(c["peer"].rsplit("-", 1)[1], []).append(c)
def med(kind, f):
    return statistics.median(f(c) for c in rows[kind])
cpu = lambda c: (c["cpu_user_s"] + c["cpu_sys_s"]) / c["model_calls"] * 1e6
rss = lambda c: (c["peak_rss_mb"] - c["base_rss_mb"]) * 1024 / c["n"]
print(f"{'client':8} {'runs ok':>10} {'calls/run':>9} {'CPU us/call':>12} {'RSS KiB/run':>12} {'wall s':>7}")
for kind in ("scenario", "single", "tree"):
    ok = sum(c["ok"] for c in rows[kind]); total = sum(c["n"] for c in rows[kind])
    calls = sum(c["model_calls"] for c in rows[kind]) / max(1, ok)
    print(f"{kind:8} {ok:>5}/{total:<5} {calls:>9.1f} {med(kind, cpu):>12.1f} {med(kind, rss):>12.2f} "
          f"{med(kind, lambda c: c['wall_s']):>7.3f}")
print(f"tree / single: CPU per model call {med('tree', cpu) / med('single', cpu):.3f}, "
      f"RSS per run in flight {med('tree', rss) / med('single', rss):.3f}")
PY
