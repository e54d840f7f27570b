#!/usr/bin/env bash
# What tracing costs: N concurrent runs of the peers' scenario (two model calls and a tool call a
# run, over HTTPS to our fake) untraced; traced with GenAI spans and metrics on, every span
# exported over OTLP/HTTP JSON to a loopback receiver (bench/otlp_sink.py); and traced but
# exported nowhere (`unexported`: what the export itself costs). Side by side in one invocation,
# in turn, a fresh fake per client run. Prints CPU per model call and peak RSS per run in
# flight, the medians of the repetitions, and the ratios to untraced.
#
# usage: bench/telemetry_overhead.sh [-n 10000] [-l 200] [-r 3]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=10000; lat=200; reps=3
while getopts "n:l:r:h" opt; do
  case $opt in
    n) n=$OPTARG ;; l) lat=$OPTARG ;; r) reps=$OPTARG ;; h) sed -n '2,8p' "$0"; exit 0 ;; *) exit 2 ;;
  esac
done
"$root/scripts/install-deps.sh"
build=$(realpath -m "${BUILD_DIR:-$root/build/release}")
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTROUTE_BUILD_BENCH=ON \
  -DAGENTROUTE_BUILD_TESTS=OFF -DAGENTROUTE_BUILD_DOC_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target agentroute_bench_load agentroute_cli

work=$(mktemp -d "${TMPDIR:-/tmp}/telemetry-overhead.XXXXXX")
fake_pid=; sink_pid=
trap 'kill $fake_pid $sink_pid 2>/dev/null || true; rm -rf "$work"' EXIT
results=$work/results.jsonl
one() {  # one client run on a fresh fake: $1 = untraced | traced | unexported
  "$build/cli/agentroute" fake-server --latency-ms "$lat" > "$work/fake.json" &
  fake_pid=$!
  for _ in $(seq 100); do grep -q ready "$work/fake.json" 2>/dev/null && break; sleep 0.1; done
  url=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["url"])' "$work/fake.json")
  ca=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["ca"])' "$work/fake.json")
  otlp=
  [ "$1" = unexported ] && otlp=-
  if [ "$1" = traced ]; then
    python3 "$root/bench/otlp_sink.py" "$work/sink.json" > "$work/sink.port" &
    sink_pid=$!
    for _ in $(seq 100); do grep -q port "$work/sink.port" 2>/dev/null && break; sleep 0.1; done
    otlp="http://127.0.0.1:$(cut -d' ' -f2 "$work/sink.port")/v1/traces"
  fi
  FAKE_URL=$url FAKE_CA=$ca BENCH_OTLP_URL=$otlp "$build/bench/agentroute_bench_load" "$n" >> "$results"
  kill "$fake_pid"; wait "$fake_pid" 2>/dev/null || true
  if [ -n "$sink_pid" ]; then kill "$sink_pid"; wait "$sink_pid" 2>/dev/null || true; sink_pid=; fi
}
for r in $(seq "$reps"); do
  if [ $((r % 2)) -eq 1 ]; then one untraced; one traced; one unexported; else one unexported; one traced; one untraced; fi
done
cat "$results" >&2

python3 - "$results" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    c = json.loads(line)
    kind = "traced" if c["peer"].endswith("-traced") else "unexported" if c["peer"].endswith("-unexported") else "untraced"
    rows.setdefault(kind, []).append(c)
def med(kind, f):
    return statistics.median(f(c) for c in rows[kind])
cpu = lambda c: (c["cpu_user_s"] + c["cpu_sys_s"]) / c["model_calls"] * 1e6
rss = lambda c: (c["peak_rss_mb"] - c["base_rss_mb"]) * 1024 / c["n"]
print(f"{'runs':9} {'ok':>11} {'CPU us/call':>12} {'RSS KiB/run':>12} {'spans out':>10} {'dropped':>8}")
for kind in ("untraced", "unexported", "traced"):
    ok = sum(c["ok"] for c in rows[kind]); total = sum(c["n"] for c in rows[kind])
    out = sum(c.get("spans_exported", 0) for c in rows[kind]); dropped = sum(c.get("spans_dropped", 0) for c in rows[kind])
    print(f"{kind:9} {ok:>5}/{total:<5} {med(kind, cpu):>12.1f} {med(kind, rss):>12.2f} {out:>10} {dropped:>8}")
for kind in ("unexported", "traced"):
    print(f"{kind} / untraced: CPU per model call {med(kind, cpu) / med('untraced', cpu):.3f}, "
          f"RSS per run in flight {med(kind, rss) / med('untraced', rss):.3f}")
PY
