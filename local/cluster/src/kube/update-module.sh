#!/usr/bin/env bash
# Rewrites go.mod and go.sum of the multi-call binary (local/cluster/src/kube) from the
# pins in local/cluster/versions.env: k8s.io/kubernetes with one replace line per staging
# module (its go.mod maps them to ./staging/src/..., which a dependency cannot use), etcd
# and CoreDNS. Run it after changing a pin, then commit both files; the build itself never
# edits them (go build -mod=readonly checks every download against go.sum).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../versions.env
. "$HERE/../../versions.env"
cd "$HERE"
export GOFLAGS=-buildvcs=false CGO_ENABLED=0

k8s_gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
[ -f "$k8s_gomod" ] || {
    echo "update-module: no go.mod for k8s.io/kubernetes@$K8S_VERSION" >&2
    exit 1
}
k8s_go=$(sed -n 's/^go \([0-9]*\.[0-9]*\).*/\1/p' "$k8s_gomod")
{
    printf 'module psk.local/cluster/kube\n\ngo %s.0\n\n' "$GO_MIN_VERSION"
    echo "// Run-time behaviour (GODEBUG defaults) of the Go release Kubernetes $K8S_VERSION declares"
    echo "// (its go line); the go line above is what etcd $ETCD_VERSION needs to compile."
    printf 'godebug default=go%s\n\n' "$k8s_go"
    printf 'require (\n\tgithub.com/coredns/coredns %s\n\tgo.etcd.io/etcd/server/v3 %s\n\tk8s.io/kubernetes %s\n)\n\n' \
        "$COREDNS_VERSION" "$ETCD_VERSION" "$K8S_VERSION"
    echo "replace ("
    sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/src/.*$#\t\1 => \1 '"$K8S_STAGING_VERSION"'#p' "$k8s_gomod"
    echo ")"
} > go.mod
grep -q "k8s.io/client-go => k8s.io/client-go $K8S_STAGING_VERSION" go.mod || {
    echo "update-module: no staging replace lines found in $k8s_gomod" >&2
    exit 1
}
rm -f go.sum
go mod tidy
echo "go.mod and go.sum updated for Kubernetes $K8S_VERSION, etcd $ETCD_VERSION, CoreDNS $COREDNS_VERSION" >&2
