#!/usr/bin/env bash
# The main job (npm run job): builds or reuses the toolchain, brings up the embedded
# local cluster, registry and Spark base image, runs `pulumi up` of the `local` stack
# and prints the job's result. `npm run job -- down` stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

claim_local "npm run job ${1:-up}"
trap release_local EXIT

if [ "${1:-up}" = down ]; then
    bring_down_local
    exit
fi

ensure_npm_packages
bring_up_local up

# shellcheck source=local/images/env.sh
. local/images/env.sh
# The local engine has no bridge network and no BuildKit: see local/images/README.md.
export DOCKER=/usr/bin/docker DOCKER_BUILDKIT=0 DOCKER_BUILD_NETWORK=host
# The project's CLI wrapper: toolchain environment, and a temp dir removed after each run.
pulumi() { bash toolchain/pulumi.sh "$@"; }

pulumi stack select local >/dev/null 2>&1 || pulumi stack init local
step "pulumi up -s local"
# --refresh: the local cluster may have been purged since the last run.
pulumi up --stack local --yes --non-interactive --refresh

step "result"
printf 'result: %s\n' "$(pulumi stack output result --stack local)"
pulumi stack output jobRuns --stack local --json
echo "the cluster keeps running: npm run job -- down stops it" >&2
