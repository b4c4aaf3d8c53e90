# shellcheck shell=bash disable=SC2034
# Builds the cluster binaries into "$CACHE_DIR/bin-<stamp>" (sourced by cluster.sh; needs
# lib/common.sh, which sources local/lib/progress.sh):
#   kube   one executable for etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
#          kubelet, kube-proxy, kubectl and CoreDNS (src/kube: its go.mod and go.sum pin
#          every module; update-module.sh rewrites them from versions.env), with a hard
#          link per program, so each process still runs under its own name;
#   pause  the pod sandbox's process (src/pause), on its own: it goes into the pause image.

KUBE_PROGRAMS=(etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl coredns)

# The Go build flags (the bin dir's stamp covers them): no DWARF (the link strips it anyway).
KUBE_GO_FLAGS=(-trimpath -gcflags=all=-dwarf=false)

# Rough figures for a cold build on 2 cores (README.md, "Measured"), for the progress lines.
EXPECT_KUBE_DOWNLOAD=25
EXPECT_KUBE_BUILD=420

# kube_ldflags: version stamps for component-base, client-go and CoreDNS; a stripped binary.
kube_ldflags() {
    local ver major minor p ldflags="-s -w"
    ver="${K8S_VERSION#v}"
    major="${ver%%.*}"
    minor="${ver#*.}"
    minor="${minor%%.*}"
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ldflags="$ldflags -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    done
    printf '%s -X github.com/coredns/coredns/coremain.GitCommit=%s\n' "$ldflags" "$COREDNS_VERSION"
}

# _check_module_pins: src/kube/go.mod must require the versions.env pins.
_check_module_pins() {
    local gomod="$CLUSTER_DIR/src/kube/go.mod" want
    for want in "k8s.io/kubernetes $K8S_VERSION" "go.etcd.io/etcd/server/v3 $ETCD_VERSION" \
        "github.com/coredns/coredns $COREDNS_VERSION" "k8s.io/client-go => k8s.io/client-go $K8S_STAGING_VERSION"; do
        grep -qF "$want" "$gomod" \
            || die "src/kube/go.mod does not pin '$want' (versions.env): run local/cluster/src/kube/update-module.sh"
    done
}

# _compiled_count: progress detail of the main build (go build -v prints each package it compiles).
_compiled_count() {
    printf '%s packages compiled (a cold build compiles about %s)' \
        "$(grep -cv -e '^====' -e '^go: ' "$KUBE_BUILD_LOG" 2> /dev/null || echo 0)" 2900
}

build_all() {
    command -v go > /dev/null || die "go toolchain not found (need Go >= $GO_MIN_VERSION)"
    local stamp bin t0 p pause_pid
    stamp="$(build_stamp)"
    bin="$CACHE_DIR/bin-$stamp"
    if [ -f "$bin/.complete" ]; then
        BIN_DIR="$bin"
        return 0
    fi
    _check_module_pins
    export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}"
    t0=$(date +%s)
    mkdir -p "$bin" "$LOG_DIR"
    KUBE_BUILD_LOG="$LOG_DIR/build-kube.log"
    log "building the cluster binaries into $bin"

    # pause compiles while the modules download (one needs the CPU, the other the network).
    env -C "$CLUSTER_DIR/src/pause" go build "${KUBE_GO_FLAGS[@]}" -ldflags "-s -w" -o "$bin/pause.tmp" . \
        > "$LOG_DIR/build-pause.log" 2>&1 &
    pause_pid=$!
    progress_run "downloading the Go modules of Kubernetes $K8S_VERSION, etcd $ETCD_VERSION, CoreDNS $COREDNS_VERSION" \
        "$EXPECT_KUBE_DOWNLOAD" "$LOG_DIR/build-kube-download.log" env -C "$CLUSTER_DIR/src/kube" go mod download -x
    wait "$pause_pid" || {
        cat "$LOG_DIR/build-pause.log" >&2
        die "building pause failed (log: $LOG_DIR/build-pause.log)"
    }
    mv "$bin/pause.tmp" "$bin/pause"

    : > "$KUBE_BUILD_LOG"
    PROGRESS_DETAIL=_compiled_count progress_run "compiling kube (${KUBE_PROGRAMS[*]})" \
        "$EXPECT_KUBE_BUILD" "$KUBE_BUILD_LOG" \
        env -C "$CLUSTER_DIR/src/kube" go build -v "${KUBE_GO_FLAGS[@]}" -ldflags "$(kube_ldflags)" -o "$bin/kube.tmp" .
    mv "$bin/kube.tmp" "$bin/kube"
    for p in "${KUBE_PROGRAMS[@]}"; do
        rm -f "$bin/$p"
        ln "$bin/kube" "$bin/$p"
    done
    touch "$bin/.complete"
    log "cluster binaries built in $(duration $(($(date +%s) - t0))): $(du -sh "$bin" | cut -f1)"
    BIN_DIR="$bin"
}
