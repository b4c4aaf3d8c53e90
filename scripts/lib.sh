# shellcheck shell=bash
# Shared by the scripts under scripts/: progress lines and the npm install step.

step() { printf '\n==> %s\n' "$*" >&2; }

# Installs the npm packages from the lockfile when they are missing or stale.
ensure_npm_packages() {
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        step "npm ci"
        npm ci --ignore-scripts --no-audit --no-fund
    fi
}

# Builds or reuses the toolchain, the local registry and images, and the local cluster.
bring_up_local() {
    step "toolchain (Pulumi CLI, providers, spark-submit)"
    bash toolchain/build.sh
    step "local registry and Spark base image"
    bash local/images/images.sh up
    step "local Kubernetes cluster"
    bash local/cluster/cluster.sh "$@"
}

# Stops the local cluster and the image services; tries both, fails if either failed.
bring_down_local() {
    local status=0
    step "stopping the local cluster and the image services"
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
