#!/bin/sh
# Every command refuses an option it does not know, with exit 2 and the nearest valid name: a
# misspelled --max-cost must never run without its limit.
set -u
cli=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "$1"; exit 1; }
expect_refused() {  # expected-suggestion, then the command line
    hint=$1
    shift
    "$cli" "$@" > "$dir/out" 2> "$dir/err" < /dev/null
    rc=$?
    [ "$rc" -eq 2 ] || fail "expected exit 2 from '$*', got $rc: $(cat "$dir/err")"
    grep -q -- "did you mean --$hint?" "$dir/err" || fail "no hint --$hint for '$*': $(cat "$dir/err")"
}
expect_refused max-cost run --max-cst 0.01 hello
expect_refused max-cost run --max-cost=0.01 --max_cost 0.01 hello
expect_refused no-stream run --bogus-flag hello
expect_refused json run --jsn hello
expect_refused json models --jsonn
expect_refused stdin login --stdn
expect_refused port fake-server --prot 1
"$cli" run --json=yes hello 2> "$dir/err" < /dev/null
[ $? -eq 2 ] || fail "a flag given a value was accepted"
echo ok
