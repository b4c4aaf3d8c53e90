#!/usr/bin/env bash
# Benchmark (npm run bench): brings up the toolchain, images and local cluster, then
# prints the table of e2e/bench.ts. BENCH_RUNS sets the number of runs (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
claim_local "npm run bench"
trap release_local EXIT
ensure_npm_packages
build_package
bash toolchain/build.sh --with spark > /dev/null # spark-submit: the plain run it is compared with
bash local/images/images.sh up > /dev/null
# From an empty API server, as the e2e: what an earlier bench left cannot conflict.
bash local/objectstore/objectstore.sh down > /dev/null
bash local/cluster/cluster.sh down --purge > /dev/null
bash local/cluster/cluster.sh up > /dev/null
node -r ts-node/register/transpile-only e2e/bench.ts
