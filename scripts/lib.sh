# shellcheck shell=bash
# Shared by the scripts under scripts/: progress lines and the npm install step.

# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Installs or reuses the pinned Node.js (toolchain/node.sh) and puts it first on PATH for
# the rest of the calling script (npm, npx, jest and pulumi programs run on it), then
# installs the npm packages from the lockfile when they are missing or stale.
ensure_npm_packages() {
    local node_bin
    node_bin="$(bash toolchain/node.sh --print-bin)"
    case ":$PATH:" in
        ":$node_bin:"*) ;;
        *) export PATH="$node_bin:$PATH" ;;
    esac
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        step "npm ci"
        npm ci --ignore-scripts --no-audit --no-fund
    fi
}

# Compiles the package (package/: the components and the runner they start) when its
# sources are newer than its build: the program and the run resources load it from dist/.
build_package() {
    local stamp=package/dist/schema.json
    if [ ! -f "$stamp" ] || [ -n "$(find package/src package/scripts package/package.json package/tsconfig.json -newer "$stamp" -print -quit)" ]; then
        step "build the package (TypeScript to package/dist, with its Pulumi schema)"
        node package/scripts/build.js
    fi
}

# Parts that build side by side (start_part), and their names, until wait_parts.
PART_PIDS=()
PART_NAMES=()

# start_part NAME CMD...: runs CMD in the background; wait_parts collects its status.
start_part() {
    local name=$1
    shift
    "$@" &
    PART_PIDS+=("$!")
    PART_NAMES+=("$name")
}

# wait_parts: waits for every started part; fails naming each part that failed.
wait_parts() {
    local i failed=()
    for i in "${!PART_PIDS[@]}"; do
        wait "${PART_PIDS[$i]}" || failed+=("${PART_NAMES[$i]}")
    done
    PART_PIDS=()
    PART_NAMES=()
    [ "${#failed[@]}" -eq 0 ] || die "failed: ${failed[*]} (their messages are above)"
}

# bring_up_local [--for-tests] CLUSTER_ARGS...: builds or reuses the toolchain, the local
# registry and images, the local cluster and the object store's binary (started by
# bring_up_objectstore, or by the e2e with its keys), side by side: the builds are
# CPU-bound but their downloads are not. --for-tests adds what only the tests use: the YAML
# language host and spark-submit, the Spark 4 base image and the Prometheus server.
bring_up_local() {
    local toolchain=() images=()
    if [ "${1:-}" = --for-tests ]; then
        toolchain=(--with tests)
        images=(--spark4)
        shift
    fi
    step "toolchain, local registry and images, cluster and object store, built or reused side by side"
    start_part toolchain bash toolchain/build.sh "${toolchain[@]}"
    start_part "registry and images" bash local/images/images.sh up "${images[@]}"
    start_part "object store binary" bash local/objectstore/objectstore.sh build
    if [ "${#images[@]}" -gt 0 ]; then start_part prometheus bash local/prometheus/prometheus.sh build; fi
    start_part "local cluster" bash local/cluster/cluster.sh "$@"
    wait_parts
}

# The local object store, keyed with a stack's S3 secrets (secretEnv.etl): the stack file
# holds them encrypted; the store takes them from its environment, never from a
# command line. Then the ETL job's input: the generated sales dataset, uploaded.
bring_up_objectstore() { # STACK
    local key secret dataset
    step "local object store (versitygw) with the S3 keys of stack $1"
    key=$(bash toolchain/pulumi.sh config get --path 'pyspark-k8s:secretEnv.etl.AWS_ACCESS_KEY_ID' --stack "$1")
    secret=$(bash toolchain/pulumi.sh config get --path 'pyspark-k8s:secretEnv.etl.AWS_SECRET_ACCESS_KEY' --stack "$1")
    OBJECTSTORE_ACCESS_KEY_ID=$key OBJECTSTORE_SECRET_ACCESS_KEY=$secret \
        bash local/objectstore/objectstore.sh up
    dataset=$(mktemp -d)
    python3 app/tests/etl_data.py --rows "$ETL_ROWS" --seed "$ETL_SEED" --bad "$ETL_BAD_ROWS" \
        --csv "$dataset/sales.csv" --expected "$dataset/expected.json"
    bash local/objectstore/objectstore.sh put "$ETL_BUCKET" input/sales.csv "$dataset/sales.csv"
    rm -rf "$dataset"
    prepare_history_bucket
}

# The local stack's event-log directory must exist before a run writes to it or the
# History Server reads it (Pulumi.local.yaml's observability.eventLog.dir): its marker.
HISTORY_BUCKET=psk-history
prepare_history_bucket() {
    local empty
    empty=$(mktemp)
    bash local/objectstore/objectstore.sh put "$HISTORY_BUCKET" events/ "$empty"
    rm -f "$empty"
}

# The ETL job's dataset in the local object store (Pulumi.local.yaml's jobs.etl.args).
ETL_BUCKET=psk-etl
ETL_ROWS=5000
ETL_SEED=7
ETL_BAD_ROWS=3

# Stops the object store, the local cluster and the image services; tries all, fails if
# any failed. The store goes first: it listens on the cluster's bridge.
bring_down_local() {
    local status=0
    step "stopping the object store, the local cluster and the image services"
    # Prometheus (started by the e2e) first: it watches the cluster's API.
    bash local/prometheus/prometheus.sh down || {
        echo "prometheus down failed" >&2
        status=1
    }
    bash local/objectstore/objectstore.sh down || {
        echo "object store down failed" >&2
        status=1
    }
    bash local/cluster/cluster.sh down || {
        echo "cluster down failed" >&2
        status=1
    }
    bash local/images/images.sh down || {
        echo "image services down failed" >&2
        status=1
    }
    return "$status"
}

# One command at a time drives the local cluster and image services (job, e2e, bench):
# a second one would purge or stop them under the first. The lock file holds the owner's
# PID and what it runs; a lock whose owner has exited is taken over.
claim_local() {
    local state="${PSK_STATE:-/var/lib/pyspark-k8s}" owner
    mkdir -p "$state"
    LOCAL_LOCK="$state/local.lock"
    until (
        set -o noclobber
        printf '%s %s\n' "$$" "$*" > "$LOCAL_LOCK"
    ) 2> /dev/null; do
        owner="$(cat "$LOCAL_LOCK" 2> /dev/null || true)"
        if [ -n "$owner" ] && kill -0 "${owner%% *}" 2> /dev/null; then
            echo "the local cluster is in use by pid ${owner%% *} (${owner#* }): wait for it to finish; if that process is not one of ours, remove $LOCAL_LOCK" >&2
            exit 1
        fi
        rm -f "$LOCAL_LOCK"
    done
}

# Gives the lock back if this script holds it.
release_local() {
    if [ -n "${LOCAL_LOCK:-}" ] && [ "$(cut -d' ' -f1 "$LOCAL_LOCK" 2> /dev/null)" = "$$" ]; then rm -f "$LOCAL_LOCK"; fi
}
