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
