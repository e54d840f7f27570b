#!/usr/bin/env bash
# Heap per idle client TLS connection, OpenSSL 3 (as net/ sets it up) against GnuTLS and wolfSSL
# (when libwolfssl-dev is installed), each in a fresh process against one loopback server: the
# peers' Node fake (as in the HTTP/1.1 rows of docs/performance.md), or ours with -o. Prints one
# JSON line per library, then a table.
#
# usage: bench/tls_footprint.sh [-n 2000] [-o]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=2000; ours=0
while getopts "n:oh" opt; do
  case $opt in n) n=$OPTARG ;; o) ours=1 ;; h) sed -n '2,7p' "$0"; exit 0 ;; *) exit 2 ;; esac
done
shared=${AGENTROUTE_SHARED_DIR:-$root/../shared}
build=$(realpath -m "${BUILD_DIR:-$root/build/release}")
"$root/scripts/install-deps.sh" --bench
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTROUTE_BUILD_BENCH=ON \
  -DAGENTROUTE_BUILD_TESTS=OFF -DAGENTROUTE_BUILD_DOC_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target agentroute_bench_tls_footprint agentroute_cli >&2
[ -x "$build/bench/agentroute_bench_tls_footprint" ] || { echo "tls_footprint.sh: needs libgnutls28-dev" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tls-footprint.XXXXXX")
if [ "$ours" = 1 ]; then
  "$build/cli/agentroute" fake-server --port 0 --no-http2 >"$work/fake.out" 2>"$work/fake.err" &
else
  node "$shared/peers/fake_openrouter.mjs" --port 0 --latency-ms 0 --https >"$work/fake.out" 2>"$work/fake.err" &
fi
fake=$!
trap 'kill $fake 2>/dev/null; wait $fake 2>/dev/null || true' EXIT
for _ in $(seq 200); do grep -q '"ready"' "$work/fake.out" 2>/dev/null && break; sleep 0.05; done
ready=$(grep -m1 '"ready"' "$work/fake.out") || { echo "tls_footprint.sh: the server did not start" >&2; exit 1; }
url=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["url"])' "$ready")
ca=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ca"])' "$ready")
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
libraries="openssl gnutls"
"$build/bench/agentroute_bench_tls_footprint" wolfssl 0 2>&1 | grep -q "must be" || libraries="$libraries wolfssl"
for library in $libraries; do
  FAKE_URL=$url FAKE_CA=$ca "$build/bench/agentroute_bench_tls_footprint" "$library" "$n"
done | tee "$work/results.jsonl"
python3 - "$work/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("| library | connections | heap per idle connection B | SSL object made B | handshake B | first answer B |")
print("|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['library']} {r['version']} | {r['connections']} | {r['heap_per_connection']} | {r['created']} "
          f"| {r['handshake']} | {r['first_answer']} |")
PY
