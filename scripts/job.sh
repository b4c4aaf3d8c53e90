#!/usr/bin/env bash
# The main job (npm run job): builds or reuses the toolchain, brings up the embedded
# local cluster, registry and Spark base image and the object store (with the ETL job's
# input), runs `pulumi up` of the `local` stack and prints each job's result. An unchanged job does not run again (it says so and shows
# the run the stack recorded): `npm run job -- rerun` runs every job of the stack again.
# `npm run job -- down` stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

claim_local "npm run job ${1:-up}"
trap release_local EXIT

case "${1:-up}" in
    down)
        bring_down_local
        exit
        ;;
    up) replace=() ;;
    rerun) replace=(--replace '**:JobRun::*' --replace '**batch/v1:Job::*') ;;
    *)
        echo "npm run job: unknown argument '$1' (allowed: up, rerun, down)" >&2
        exit 2
        ;;
esac

ensure_npm_packages
build_package
bring_up_local up

# The project's CLI wrapper: toolchain environment, and a temp dir removed after each run.
pulumi() { bash toolchain/pulumi.sh "$@"; }
# The stack first: the object store takes its keys from the stack's secrets.
pulumi stack select local > /dev/null 2>&1 || pulumi stack init local
bring_up_objectstore local

# shellcheck source=local/images/env.sh
. local/images/env.sh
# The local engine has no bridge network and no BuildKit: see local/images/README.md.
export DOCKER=/usr/bin/docker DOCKER_BUILDKIT=0 DOCKER_BUILD_NETWORK=host
runs_before="$(mktemp)" runs_after="$(mktemp)"
trap 'rm -f "$runs_before" "$runs_after"; release_local' EXIT
pulumi stack output jobRuns --stack local --json > "$runs_before" 2> /dev/null || true
step "pulumi up -s local${replace[*]:+ (re-running every job)}"
# --refresh: the local cluster may have been purged since the last run.
pulumi up --stack local --yes --non-interactive --refresh "${replace[@]}"

step "result"
pulumi stack output jobRuns --stack local --json > "$runs_after"
node -r ts-node/register/transpile-only lib/runReport.ts "$runs_before" "$runs_after"
# `result` exists for a stack with a single job; the report above has every job's.
if result=$(pulumi stack output result --stack local 2> /dev/null); then
    printf 'result: %s\n' "$result"
fi
echo "the cluster keeps running: npm run job -- down stops it" >&2
