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

LOG_TAG=cluster
# shellcheck source=../../../scripts/common.sh
. "$CLUSTER_DIR/../../scripts/common.sh"
# shellcheck source=../../lib/process.sh
. "$CLUSTER_DIR/../lib/process.sh"
# shellcheck source=../../lib/progress.sh
. "$CLUSTER_DIR/../lib/progress.sh"

need_root() {
    [ "$(id -u)" = 0 ] || die "must run as root (it manages containerd, kubelet, iptables, mounts)"
}

# Binary directory for the current pins: the stamp covers the Go modules (go.mod, go.sum),
# the sources, the build flags (lib/build.sh) and the Go version.
build_stamp() {
    {
        echo "k8s=$K8S_VERSION staging=$K8S_STAGING_VERSION etcd=$ETCD_VERSION coredns=$COREDNS_VERSION"
        cat "$CLUSTER_DIR"/src/kube/{go.mod,go.sum,main.go} "$CLUSTER_DIR"/src/pause/{go.mod,main.go}
        echo "flags=${KUBE_GO_FLAGS[*]} ldflags=$(kube_ldflags)"
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
