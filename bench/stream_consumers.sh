#!/usr/bin/env bash
# What pulling a run's events through Agent::stream() costs next to handing them to
# RunOptions::on_event: the load benchmark's scenario (two streamed model calls and a tool per
# run) at N concurrent runs against our fake, each way in turn, with the plain streamed run
# (no consumer) as the floor; `pull` takes every event, `pull_text` asks for the text deltas
# only (what the on_event consumer uses). Prints CPU per model call and peak RSS per run in
# flight, the medians of the repetitions, and the ratios to on_event.
#
# usage: bench/stream_consumers.sh [-n 10000] [-l 200] [-r 3]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=10000; lat=200; reps=3
while getopts "n:l:r:h" opt; do
  case $opt in
    n) n=$OPTARG ;; l) lat=$OPTARG ;; r) reps=$OPTARG ;; h) sed -n '2,8p' "$0"; exit 0 ;; *) exit 2 ;;
  esac
done
shared=${AGENTROUTE_SHARED_DIR:-$root/../shared}
"$root/scripts/install-deps.sh"
# The peers' driver reads the fake's ready line with Node (no npm packages needed).
command -v node >/dev/null || { echo "stream_consumers.sh: needs node (apt-get install nodejs)" >&2; exit 2; }
build=$(realpath -m "${BUILD_DIR:-$root/build/release}")
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTROUTE_BUILD_BENCH=ON \
  -DAGENTROUTE_BUILD_TESTS=OFF -DAGENTROUTE_BUILD_DOC_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target agentroute_bench_load agentroute_cli

# The peers' driver (a fresh fake per client run, the order rotating between repetitions),
# with our C++ fake in place of the Node one.
work=$(mktemp -d "${TMPDIR:-/tmp}/stream-consumers.XXXXXX")
sed "s|node \"\$here/fake_openrouter.mjs\"|\"$build/cli/agentroute\" fake-server|; s|^here=.*|here=$shared/peers|" \
  "$shared/peers/run_bench.sh" > "$work/run_bench.sh"
results=$work/results.jsonl
bench=$build/bench/agentroute_bench_load
bash "$work/run_bench.sh" -n "$n" -l "$lat" -r "$reps" -o "$results" \
  "env BENCH_STREAM=1 $bench" "env BENCH_STREAM=on_event $bench" "env BENCH_STREAM=pull $bench" \
  "env BENCH_STREAM=pull_text $bench" >&2

python3 - "$results" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    c = r.get("client", r)
    if c.get("model_calls", 0) <= 0:
        continue
    rows.setdefault(c["peer"], []).append(c)
def med(peer, f):
    return statistics.median(f(c) for c in rows[peer])
cpu = lambda c: (c["cpu_user_s"] + c["cpu_sys_s"]) / c["model_calls"] * 1e6
rss = lambda c: (c["peak_rss_mb"] - c["base_rss_mb"]) * 1024 / c["n"]
print(f"{'client':32} {'runs ok':>8} {'CPU us/call':>12} {'RSS KiB/run':>12}")
for peer in sorted(rows):
    ok = sum(c["ok"] for c in rows[peer]); total = sum(c["n"] for c in rows[peer])
    print(f"{peer:32} {ok:>4}/{total:<4} {med(peer, cpu):>11.1f} {med(peer, rss):>12.2f}")
cb = [p for p in rows if p.endswith("-on_event")]
for suffix in ("-pull", "-pull_text"):
    pull = [p for p in rows if p.endswith(suffix)]
    if pull and cb:
        print(f"{suffix[1:]} / on_event: CPU per call {med(pull[0], cpu) / med(cb[0], cpu):.3f}, "
              f"RSS per run {med(pull[0], rss) / med(cb[0], rss):.3f}")
PY
