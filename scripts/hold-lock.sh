#!/usr/bin/env bash
# Runs a command while holding the local cluster's lock (the one npm run job, e2e and bench
# take), waiting for it if another holds it: bash scripts/hold-lock.sh CMD...
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

main() {
    local lock="${PSK_STATE:-/var/lib/pyspark-k8s}/local.lock" owner waited=0
    while owner=$(cat "$lock" 2> /dev/null) && [ -n "$owner" ] && kill -0 "${owner%% *}" 2> /dev/null; do
        [ $((waited % 60)) -eq 0 ] && echo "hold-lock: waiting for the local cluster's lock (held by $owner)" >&2
        sleep 5
        waited=$((waited + 5))
    done
    claim_local "hold-lock: $*"
    trap release_local EXIT
    "$@"
}

main "$@"
