#!/bin/sh
# `agentroute fake-server --replay DIR` on the shared recordings, asked by curl: a recorded
# streamed request gets its recorded stream byte for byte, a recorded error its status, a
# request no recording matches a 404 that names the closest; recordings of one request are
# listed at start.
set -eu
cli=$1
fixtures=$2
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
"$cli" fake-server --replay "$fixtures" > "$dir/fake.out" 2> "$dir/fake.err" &
pid=$!
i=0
while ! grep -q '"ready"' "$dir/fake.out" 2>/dev/null; do i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1; done
url=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$dir/fake.out")
ca=$(sed -n 's/.*"ca":"\([^"]*\)".*/\1/p' "$dir/fake.out")
count=$(ls "$fixtures"/*.json | wc -l)
grep -q "\"recordings\":$count" "$dir/fake.out"
grep -q 'served in turn: 040-stream-parallel-tool-calls-kimi-k2.json 071-' "$dir/fake.err"

# Pull a recording's request body and its recorded answer out of the fixture file.
extract() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.stdout.write(json.dumps(d["request"]["body"]) if sys.argv[2]=="request" else d["response"]["body_text"])' "$1" "$2"
}
ask() {
    curl -sS -N --cacert "$ca" -o "$2" -w '%{http_code} %{content_type}' -H 'Content-Type: application/json' \
        -H 'Authorization: Bearer sk-or-replay' --data-binary "@$1" "$url/chat/completions"
}
stream=$(ls "$fixtures"/025-*.json)
extract "$stream" request > "$dir/025.req"
extract "$stream" response > "$dir/025.expected"
status=$(ask "$dir/025.req" "$dir/025.got")
[ "${status%% *}" = 200 ] || { echo "025: $status"; exit 1; }
cmp "$dir/025.expected" "$dir/025.got"  # the stream as recorded

error=$(ls "$fixtures"/065-*.json)
extract "$error" request > "$dir/065.req"
recorded=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["response"]["status"])' "$error")
status=$(ask "$dir/065.req" "$dir/065.got")
[ "${status%% *}" = "$recorded" ] || { echo "065: $status, recorded $recorded"; exit 1; }

# The same request with one word changed matches nothing.
sed 's/Portuguese/Spanish/' "$dir/025.req" > "$dir/miss.req"
status=$(ask "$dir/miss.req" "$dir/miss.got")
[ "${status%% *}" = 404 ] || { echo "miss: $status"; exit 1; }
grep -q 'the closest, 025-' "$dir/miss.got"
grep -q 'differs in messages' "$dir/miss.got"
kill -TERM "$pid"
wait "$pid" || true
grep -q '"event":"exit","served":3' "$dir/fake.out"
echo ok
