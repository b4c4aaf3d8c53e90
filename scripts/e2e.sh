#!/usr/bin/env bash
# The end-to-end scenario (npm run e2e): brings up the toolchain, the local registry and
# images and the local cluster, runs e2e/scenario.test.ts against them, then stops the
# cluster and the image services again (E2E_KEEP_UP=1 leaves them running).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ensure_npm_packages
# A purged cluster: the scenario starts from an empty API server.
bash local/cluster/cluster.sh down --purge
bring_up_local up

status=0
step "scenario"
npx jest -c jest.e2e.config.js --ci --runInBand || status=$?

if [ -z "${E2E_KEEP_UP:-}" ]; then
    step "stopping the local cluster and the image services"
    bash local/cluster/cluster.sh down
    bash local/images/images.sh down
fi
exit "$status"
