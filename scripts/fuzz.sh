#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan) and runs each for SECONDS (default
# 60) from seed corpora made of the recordings and the tests' inputs (scripts/fuzz_seeds.py),
# with a JSON or SSE dictionary. The corpus grows in BUILD_DIR/corpus across runs. A crash,
# leak or timeout leaves its input in BUILD_DIR/crashes/ and fails the script (add the input to
# a regression test). Prints per target: executions, corpus size, coverage.
#
# usage: scripts/fuzz.sh [SECONDS] [TARGET ...]
#   FUZZ_SEED=N   libFuzzer's random seed (CI sets one, so that a run can be repeated exactly)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
./scripts/install-deps.sh
build=${BUILD_DIR:-build/fuzz}
shared=${AGENTROUTE_SHARED_DIR:-../shared}
CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAGENTROUTE_BUILD_FUZZ=ON \
    -DAGENTROUTE_BUILD_TESTS=OFF -DAGENTROUTE_BUILD_CLI=OFF -DAGENTROUTE_BUILD_DOC_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "$(nproc)"
rm -rf "$build/seeds"
python3 scripts/fuzz_seeds.py "$shared" "$build/seeds"
mkdir -p "$build/crashes" "$build/logs"

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(sse_stream answer_body generation_bill partial_json tool_arguments fts_query chat_request
    config_key h2_frames)
failed=0
printf '%-16s %12s %10s %8s %8s %s\n' target executions corpus cov features result
for t in "${targets[@]}"; do
    dict=fuzz/dict/json.dict
    [ "$t" = sse_stream ] && dict=fuzz/dict/sse.dict
    [ "$t" = fts_query ] && dict=
    [ "$t" = config_key ] && dict=
    [ "$t" = h2_frames ] && dict=
    corpus=$build/corpus/$t
    mkdir -p "$corpus"
    log=$build/logs/$t.log
    rc=0
    "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        ${dict:+-dict=$dict} ${FUZZ_SEED:+-seed=$FUZZ_SEED} -artifact_prefix="$build/crashes/$t-" -print_final_stats=1 \
        "$corpus" "$build/seeds/$t" > "$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
    result=ok
    if [ "$rc" -ne 0 ]; then result="FAILED (rc $rc, see $log)"; failed=1; fi
    printf '%-16s %12s %10s %8s %8s %s\n' "$t" "${execs:-?}" "${corp:-?}" "${cov:-?}" "${ft:-?}" "$result"
done
exit "$failed"
