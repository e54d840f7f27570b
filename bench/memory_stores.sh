#!/usr/bin/env bash
# The three memory stores side by side: `agentroute_bench_memory` (64 concurrent writers filling
# to N memories, then 2,000 recalls) on RAM, SQLite (a file in $TMPDIR) and PostgreSQL (a fresh
# server of Debian's binaries on loopback, fsync on, default settings otherwise, the same for
# every run). One JSON line per store and size, then a table.
#   bench/memory_stores.sh [-n "100000 1000000"] [-b agentroute_bench_memory]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sizes="100000 1000000"; bin=""
while getopts "n:b:h" opt; do
  case $opt in n) sizes=$OPTARG ;; b) bin=$OPTARG ;; h) sed -n '2,7p' "$0"; exit 0 ;; *) exit 2 ;; esac
done
if [ -z "$bin" ]; then
  build=$(realpath -m "${BUILD_DIR:-$root/build/release}")
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTROUTE_BUILD_BENCH=ON \
    -DAGENTROUTE_BUILD_TESTS=OFF -DAGENTROUTE_BUILD_DOC_EXAMPLES=OFF > /dev/null
  cmake --build "$build" -j "$(nproc)" --target agentroute_bench_memory
  bin=$build/bench/agentroute_bench_memory
fi
pg=$(mktemp -d)
trap '"$root/tests/support/postgres_server.sh" stop "$pg"; rm -rf "$pg"' EXIT
AGENTROUTE_PG_FSYNC=on "$root/tests/support/postgres_server.sh" start "$pg"
conninfo=$(cat "$pg/conninfo")
results=$(mktemp)
for n in $sizes; do
  "$bin" "$n" --ram | tee -a "$results"
  "$bin" "$n" | tee -a "$results"
  "$bin" "$n" --postgres "$conninfo" | tee -a "$results"
done
python3 - "$results" <<'PY'
import json, sys
print("| store | memories | writes/s | recall p50 ms | recall p99 ms |")
print("|---|---|---|---|---|")
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"| {r['store']} | {r['memories']:,} | {r['writes_per_s']:,.0f} | {r['recall_p50_us']/1000:.2f} | {r['recall_p99_us']/1000:.2f} |")
PY
