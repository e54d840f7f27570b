#!/usr/bin/env bash
# Runs our load benchmark and the JavaScript peers of ../shared/peers side by side against one
# fake server per client run (the peers' driver), and writes docs/performance.md with the table
# of medians and the ratios ours / peer; with our fake, also the floor of one round of N calls
# with nghttp2's h2load as the client (bench/h2load_floor.py).
#
# usage: bench/side_by_side.sh [-n "1000 10000"] [-l "200"] [-r 3] [-f "node ours"] [-o docs/performance.md]
#   -f node   the peers' Node fake;  -f ours   our C++ fake for every client, for when the Node
#             fake is the bottleneck (see its CPU column). Default: both, one pass each.
# Needs Node.js and npm (the peers are installed with `npm ci` into a writable copy).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ns="1000 10000"; lats="200"; reps=3; fake="node ours"; out=$root/docs/performance.md
while getopts "n:l:r:f:o:h" opt; do
  case $opt in
    n) ns=$OPTARG ;; l) lats=$OPTARG ;; r) reps=$OPTARG ;; f) fake=$OPTARG ;; o) out=$OPTARG ;;
    h) sed -n '2,10p' "$0"; exit 0 ;; *) exit 2 ;;
  esac
done
shared=${AGENTROUTE_SHARED_DIR:-$root/../shared}
build=$(realpath -m "${BUILD_DIR:-$root/build/release}")

"$root/scripts/install-deps.sh" --bench
load=$(cut -d' ' -f1-3 /proc/loadavg)  # before any run: the report states it
command -v npm >/dev/null || { echo "side_by_side.sh: needs node and npm (apt-get install nodejs npm)" >&2; exit 2; }
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTROUTE_BUILD_BENCH=ON \
  -DAGENTROUTE_BUILD_TESTS=OFF -DAGENTROUTE_BUILD_DOC_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target agentroute_bench_load agentroute_cli

peers=${TMPDIR:-/tmp}/agentroute-peers
if [ ! -d "$peers/node_modules" ]; then
  rm -rf "$peers"; cp -r "$shared/peers" "$peers"; chmod -R u+w "$peers"
  (cd "$peers" && npm ci --no-audit --no-fund >/dev/null)
fi
# The same client with jemalloc preloaded, when the machine has it (Debian: libjemalloc2):
# the library leaves the allocator to the application, and glibc's is about 30 % of the
# client's instructions in a burst of runs. The row shows what that choice is worth.
jemalloc=$(ldconfig -p | sed -n 's/.*libjemalloc\.so\.2 .*=> //p' | head -1)
[ -n "$jemalloc" ] || echo "side_by_side.sh: no libjemalloc.so.2 (apt-get install libjemalloc2): no -jemalloc row" >&2
# One pass per fake server; the report has a section for each.
sections=()
for f in $fake; do
  driver=$peers/run_bench.sh
  if [ "$f" = ours ]; then
    # Same contract (ready line, exit line); our server, in C++.
    sed "s|node \"\$here/fake_openrouter.mjs\"|\"$build/cli/agentroute\" fake-server|" "$peers/run_bench.sh" > "$peers/run_bench_ours.sh"
    driver=$peers/run_bench_ours.sh
  fi
  results=$(mktemp "${TMPDIR:-/tmp}/side-by-side.XXXXXX.jsonl")
  cmd=(bash "$driver" -n "$ns" -l "$lats" -r "$reps" -o "$results"
       "node bench_vercel_ai.mjs" "node bench_openai_agents.mjs" "node bench_langchain.mjs" "node bench_raw_fetch.mjs"
       "$build/bench/agentroute_bench_load" "env BENCH_STREAM=1 $build/bench/agentroute_bench_load"
       "env BENCH_PRECONNECT=0 $build/bench/agentroute_bench_load")
  if [ -n "$jemalloc" ]; then
    cmd+=("env BENCH_LABEL=-jemalloc LD_PRELOAD=$jemalloc $build/bench/agentroute_bench_load")
  fi
  # Our fake answers HTTP/2 (offered by default); -http1 shows HTTP/1.1 against it too. The
  # Node fake speaks HTTP/1.1 only, where -http1 would repeat the first row.
  if [ "$f" = ours ]; then
    cmd+=("env BENCH_HTTP1=1 $build/bench/agentroute_bench_load")
  fi
  "${cmd[@]}" | tee "$results.table"
  sections+=("$f" "$results" "$results.table")
done
# The floor of one round: nghttp2's own load client against our fake (h2load_floor.py says how).
floor=()
if [[ " $fake " == *" ours "* ]]; then
  if command -v h2load >/dev/null; then
    floor_results=$(mktemp "${TMPDIR:-/tmp}/h2load-floor.XXXXXX.jsonl")
    python3 "$root/bench/h2load_floor.py" "$build/cli/agentroute" "$peers" "$ns" "$lats" "$reps" | tee "$floor_results"
    floor=(--floor "$floor_results")
  else
    echo "side_by_side.sh: no h2load (apt-get install nghttp2-client): no floor section" >&2
  fi
fi
python3 "$root/bench/performance_report.py" "bench/side_by_side.sh -n \"$ns\" -l \"$lats\" -r $reps -f \"$fake\"" \
  --load "$load" "${floor[@]}" "${sections[@]}" > "$out"
echo "wrote $out" >&2
