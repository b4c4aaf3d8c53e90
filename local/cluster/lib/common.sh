# shellcheck shell=bash disable=SC2034
# Shared settings and helpers for local/cluster scripts. Sourced, not executed.

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=../versions.env
. "$CLUSTER_DIR/versions.env"

PSK_CACHE="${PSK_CACHE:-$HOME/.cache/pyspark-k8s}"
PSK_STATE="${PSK_STATE:-/var/lib/pyspark-k8s}"
CACHE_DIR="$PSK_CACHE/cluster"
STATE_DIR="$PSK_STATE/cluster"
PKI_DIR="$STATE_DIR/pki"
RUN_DIR="$STATE_DIR/run" # pidfiles
LOG_DIR="$STATE_DIR/logs"
CFG_DIR="$STATE_DIR/config"
CTRD_DIR="$STATE_DIR/containerd"
CTRD_SOCK="$CTRD_DIR/containerd.sock"
KUBECONFIG_ADMIN="$STATE_DIR/kubeconfig"

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
    printf '[cluster] ERROR: %s\n' "$*" >&2
    exit 1
}

need_root() {
    [ "$(id -u)" = 0 ] || die "must run as root (it manages containerd, kubelet, iptables, mounts)"
}

# Binary directory for the current pins (stamp keyed by the Go module pins, own sources, Go version).
build_stamp() {
    {
        echo "k8s=$K8S_VERSION staging=$K8S_STAGING_VERSION etcd=$ETCD_VERSION coredns=$COREDNS_VERSION"
        cat "$CLUSTER_DIR/src/pause/main.go" "$CLUSTER_DIR/src/coredns/main.go"
        go env GOVERSION 2> /dev/null || echo nogo
    } | sha256sum | cut -c1-16
}

# ctr against the cluster's own containerd socket
_ctr() { ctr --address "$CTRD_SOCK" "$@"; }

# _put FILE: writes stdin to FILE only when the content differs (no spurious file events).
_put() {
    local tmp="$1.tmp.$$"
    cat > "$tmp"
    if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}
