#!/bin/sh
# Starts `agentroute fake-server`, runs a prompt through `agentroute run --json` and a budget
# stop (exit 4), then stops the server and checks its exit line (HTTP/2 was used).
set -eu
cli=$1
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
"$cli" fake-server > "$dir/fake.out" &
pid=$!
i=0
while ! grep -q '"ready"' "$dir/fake.out" 2>/dev/null; do i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1; done
url=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$dir/fake.out")
ca=$(sed -n 's/.*"ca":"\([^"]*\)".*/\1/p' "$dir/fake.out")
export AGENTROUTE_BASE_URL="$url" AGENTROUTE_CA_FILE="$ca" AGENTROUTE_API_KEY=sk-or-cli-test
"$cli" run --json --model claude-sonnet-4.5 "Investigate ticket #4821" > "$dir/run.json"
grep -q '"output":"Ticket #4821 is blocked' "$dir/run.json"
grep -q '"model_calls":1' "$dir/run.json"
grep -q '"cost_source":"billed"' "$dir/run.json"
# An MCP server's tools join the run: the fake calls the first tool offered (mcp__add).
mcp_server="$(dirname "$0")/../tests/mcp/scripted_server.py"
"$cli" run --json --mcp-stdio "python3 '$mcp_server' legacy" "Add two numbers" > "$dir/mcp.json"
grep -q '"model_calls":2' "$dir/mcp.json"
# Without --json the answer streams to stdout, then the usage line.
"$cli" run --model claude-sonnet-4.5 "Investigate ticket #4821" > "$dir/run.txt"
grep -q '^Ticket #4821 is blocked' "$dir/run.txt"
grep -q 'model_calls=1' "$dir/run.txt"
set +e
"$cli" run --max-cost 0.0000001 hello 2> "$dir/err.txt"
rc=$?
set -e
[ "$rc" -eq 4 ] || { echo "expected exit 4, got $rc"; exit 1; }
grep -q "cost ceiling" "$dir/err.txt"
# SIGINT cancels a run in flight: exit 130, and what it spent is printed. A slow server
# (its answer takes 8 s) keeps the run in flight.
"$cli" fake-server --latency-ms 8000 > "$dir/slow.out" &
slow=$!
i=0
while ! grep -q '"ready"' "$dir/slow.out" 2>/dev/null; do i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1; done
slow_url=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$dir/slow.out")
slow_ca=$(sed -n 's/.*"ca":"\([^"]*\)".*/\1/p' "$dir/slow.out")
AGENTROUTE_BASE_URL="$slow_url" AGENTROUTE_CA_FILE="$slow_ca" "$cli" run hello > /dev/null 2> "$dir/cancel.txt" &
run=$!
sleep 2  # the request is out (the answer is 8 s away)
kill -INT "$run"
set +e
wait "$run"
rc=$?
set -e
kill -TERM "$slow"; wait "$slow" || true
grep -q '"event":"exit","served":1' "$dir/slow.out"  # the cancelled call had reached the server
[ "$rc" -eq 130 ] || { echo "expected exit 130 after SIGINT, got $rc"; cat "$dir/cancel.txt"; exit 1; }
grep -q "cancelled" "$dir/cancel.txt"
grep -q "spent input_tokens=[1-9]" "$dir/cancel.txt"  # billed, so counted
kill -TERM "$pid"
wait "$pid" || true
grep -q '"event":"exit","served":4' "$dir/fake.out"  # the budget stop sent nothing
grep -q '"http2_connections":[1-9]' "$dir/fake.out"  # the CLI offers HTTP/2, the fake takes it
echo ok
