#!/usr/bin/env bash
# The main job (npm run job): builds or reuses the toolchain, brings up the embedded
# local cluster, registry and Spark base image and the object store (with the ETL job's
# input), runs `pulumi up` of the `local` stack and prints each job's result. An unchanged job does not run again (it says so and shows
# the run the stack recorded): `npm run job -- rerun` runs every job of the stack again.
# `npm run job -- down` stops what it started. `npm run job -- logs <job>` prints the kept
# pod logs of the job's last run (through the stack's log keeper: no S3 keys needed here).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

# Prints the kept pod logs of a job's last run: the run's place (jobRuns.<job>.logs) printed
# by the stack's log keeper inside the cluster, which holds the store's keys.
print_run_logs() { # JOB
    local job=$1 runs keeper location target
    if [ -z "$job" ]; then
        echo "usage: npm run job -- logs <job>" >&2
        return 2
    fi
    if ! runs=$(bash toolchain/pulumi.sh stack output jobRuns --stack local --json 2> /dev/null); then
        echo "npm run job -- logs: the local stack has recorded no run yet (npm run job first)" >&2
        return 1
    fi
    if ! keeper=$(bash toolchain/pulumi.sh stack output logKeeper --stack local --json 2> /dev/null) || [ "$keeper" = null ]; then
        echo "npm run job -- logs: the local stack keeps no pod logs (set pyspark-k8s:observability.podLogs)" >&2
        return 1
    fi
    location=$(node -e 'const r = JSON.parse(process.argv[1])[process.argv[2]];
        if (!r) { console.error(`no job ${process.argv[2]} in the stack; jobs: ${Object.keys(JSON.parse(process.argv[1])).join(", ")}`); process.exit(1); }
        if (!r.logs) { console.error(`job ${process.argv[2]} has no kept logs recorded (a scheduled job: see its CronJob runs under the keeper location)`); process.exit(1); }
        console.log(r.logs);' "$runs" "$job") || return 1
    target=$(node -e 'const k = JSON.parse(process.argv[1]); console.log(`${k.namespace} deploy/${k.deployment}`);' "$keeper")
    bash local/cluster/cluster.sh kubectl -n "${target% *}" exec "${target#* }" -- \
        python3 /opt/psk-log-keeper/log_keeper.py print "$location"
}

claim_local "npm run job ${1:-up}"
trap release_local EXIT

case "${1:-up}" in
    down)
        bring_down_local
        exit
        ;;
    logs)
        ensure_npm_packages
        print_run_logs "${2:-}"
        exit
        ;;
    up) replace=() ;;
    rerun) replace=(--replace '**:JobRun::*' --replace '**batch/v1:Job::*') ;;
    *)
        echo "npm run job: unknown argument '$1' (allowed: up, rerun, down, logs <job>)" >&2
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
bash scripts/clear-stale-locks.sh local
# Run records of an older version of the project cannot be refreshed: forget them first.
bash scripts/forget-old-runs.sh local
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
# The History Server: the ClusterIP is reachable from this machine (kube-proxy runs here).
if history=$(pulumi stack output historyServer --stack local --json 2> /dev/null) && [ "$history" != null ]; then
    node -e 'const h = JSON.parse(process.argv[1]); console.log(`History Server: ${h.url} (open it in a browser on this machine; from elsewhere: ${h.portForward}, then http://127.0.0.1:18080)`);' "$history"
fi
echo "the cluster keeps running: npm run job -- down stops it" >&2
