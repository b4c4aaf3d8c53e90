#!/usr/bin/env bash
# The end-to-end cases (npm run e2e, and the last part of npm test): purges the local
# cluster, brings up the toolchain (with the YAML host and spark-submit), the local
# registry and images (Spark 3.5 and 4), the cluster, Prometheus and Chromium, runs the
# cases of e2e/*.test.ts one at a time (each starts what else it needs, such as the object
# store, and destroys what it made), then stops everything again, also when a case failed
# (E2E_KEEP_UP=1 leaves it running). E2E_JEST_JSON=<file> writes jest's JSON results there.
# Arguments go to jest: `npm run e2e -- e2e/consumers.test.ts` runs that file's cases only.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

# What the observability cases (e2e/observability.test.ts) look with: a real Prometheus
# (local/prometheus, built from its Go module), and Debian's Chromium, headless.
CHROMIUM_DEB_VERSION=156.0.8078.114-1~deb12u1
bring_up_observers() {
    step "Prometheus and Chromium, for the observability cases"
    if ! command -v chromium > /dev/null; then
        apt_get update -qq
        if apt-cache show "chromium=$CHROMIUM_DEB_VERSION" > /dev/null 2>&1; then
            apt_get install -y -qq --no-install-recommends "chromium=$CHROMIUM_DEB_VERSION"
        else
            echo "note: chromium $CHROMIUM_DEB_VERSION is no longer served; installing the candidate" >&2
            apt_get install -y -qq --no-install-recommends chromium
        fi
    fi
    bash local/prometheus/prometheus.sh up
}

stop_local() {
    local status=$?
    bring_down_local || status=1
    release_local
    exit "$status"
}
claim_local "npm run e2e"
if [ -z "${E2E_KEEP_UP:-}" ]; then trap stop_local EXIT; else trap release_local EXIT; fi

ensure_npm_packages
build_package
# A purged cluster: the scenario starts from an empty API server. The object store goes
# first (it listens on the cluster's bridge); the scenario starts it with its stack's keys.
bash local/objectstore/objectstore.sh down
bash local/cluster/cluster.sh down --purge
bring_up_local --for-tests up
step "pyarrow, which the scenario reads the ETL job's Parquet output with"
(
    . toolchain/env.sh
    python -m pip install --quiet --disable-pip-version-check -r e2e/requirements.txt
)

bring_up_observers

step "the cases${*:+: $*}"
json_args=()
if [ -n "${E2E_JEST_JSON:-}" ]; then json_args=(--json --outputFile="$E2E_JEST_JSON"); fi
npx jest -c jest.e2e.config.js --ci --runInBand "${json_args[@]}" "$@"
