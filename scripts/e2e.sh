#!/usr/bin/env bash
# The end-to-end scenario (npm run e2e): brings up the toolchain, the local registry and
# images and the local cluster, runs e2e/scenario.test.ts against them, then stops the
# cluster and the image services again (E2E_KEEP_UP=1 leaves them running).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*" >&2; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    step "npm ci"
    npm ci --ignore-scripts --no-audit --no-fund
fi
step "toolchain"
bash toolchain/build.sh
step "local registry and Spark base image"
bash local/images/images.sh up
step "local Kubernetes cluster, from nothing"
# A purged cluster: the scenario starts from an empty API server.
bash local/cluster/cluster.sh down --purge
bash local/cluster/cluster.sh up

status=0
step "scenario"
npx jest -c jest.e2e.config.js --ci --runInBand || status=$?

if [ -z "${E2E_KEEP_UP:-}" ]; then
    step "stopping the local cluster and the image services"
    bash local/cluster/cluster.sh down
    bash local/images/images.sh down
fi
exit "$status"
