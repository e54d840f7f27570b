#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the production-ready agent end to end
# (docs/examples/production_agent.cpp). Without AGENTROUTE_API_KEY / OPENROUTER_API_KEY it runs
# offline against the built-in loopback OpenRouter stand-in.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
build_dir=${BUILD_DIR:-build/main}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAGENTROUTE_BUILD_TESTS=OFF \
    -DAGENTROUTE_BUILD_DOC_EXAMPLES=ON >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target production_agent agentroute_cli
exec "$build_dir/docs/examples/production_agent" "$@"
