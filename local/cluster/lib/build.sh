# shellcheck shell=bash disable=SC2034
# Builds the cluster binaries from the Go module proxy into "$CACHE_DIR/bin-<stamp>".
# Sourced by cluster.sh (needs lib/common.sh).

K8S_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)

# _gen_k8s_module DIR: wrapper module requiring k8s.io/kubernetes with one replace per staging module.
_gen_k8s_module() {
    local dir="$1" gomod
    mkdir -p "$dir"
    go mod download -json "k8s.io/kubernetes@$K8S_VERSION" > "$dir/.dl.json" \
        || die "go mod download k8s.io/kubernetes@$K8S_VERSION failed (is the Go module proxy reachable? see GOPROXY=$(go env GOPROXY))"
    gomod="$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' "$dir/.dl.json")"
    [ -f "$gomod" ] || die "could not locate go.mod of k8s.io/kubernetes@$K8S_VERSION"
    {
        echo "module psk.local/cluster/k8sbuild"
        echo
        echo "go 1.24.0"
        echo
        echo "require k8s.io/kubernetes $K8S_VERSION"
        echo
        echo "replace ("
        # one replace per staging module (those k8s.io/kubernetes maps to ./staging/src/...)
        sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/src/.*$#\t\1 => \1 '"$K8S_STAGING_VERSION"'#p' "$gomod"
        echo ")"
    } > "$dir/go.mod"
    grep -q "k8s.io/client-go => k8s.io/client-go $K8S_STAGING_VERSION" "$dir/go.mod" \
        || die "generating staging replace lines from k8s.io/kubernetes@$K8S_VERSION go.mod failed"
    {
        echo "//go:build tools"
        echo
        echo "// Package tools pins the Kubernetes commands built by local/cluster."
        echo "package tools"
        echo
        echo "import ("
        local b
        for b in "${K8S_BINARIES[@]}"; do echo "	_ \"k8s.io/kubernetes/cmd/$b\""; done
        echo ")"
    } > "$dir/tools.go"
}

_gen_simple_module() { # DIR MODULE_PATH VERSION IMPORT_PKG GO_LINE
    local dir="$1"
    mkdir -p "$dir"
    printf 'module psk.local/cluster/%s\n\ngo %s\n\nrequire %s %s\n' "$(basename "$dir")" "$5" "$2" "$3" > "$dir/go.mod"
    printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$4" > "$dir/tools.go"
}

_go_build() { # DIR OUT(file, or directory ending in /) LDFLAGS PKG...
    local dir="$1" out="$2" ldflags="$3"
    shift 3
    (
        cd "$dir" || exit 1
        export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}"
        go mod tidy > "$dir/tidy.log" 2>&1 || {
            cat "$dir/tidy.log" >&2
            exit 1
        }
        go build -trimpath -ldflags "-s -w $ldflags" -o "$out" "$@"
    )
}

build_all() {
    command -v go > /dev/null || die "go toolchain not found (need Go >= $GO_MIN_VERSION)"
    local stamp bin work t0 ver
    stamp="$(build_stamp)"
    bin="$CACHE_DIR/bin-$stamp"
    if [ -f "$bin/.complete" ]; then
        BIN_DIR="$bin"
        return 0
    fi
    t0=$(date +%s)
    work="$CACHE_DIR/build"
    mkdir -p "$bin" "$work"
    log "building binaries into $bin (cold build: many minutes on 2 cores)"

    local kv="k8s.io/component-base/version" cv="k8s.io/client-go/pkg/version"
    local major minor
    ver="${K8S_VERSION#v}"
    major="${ver%%.*}"
    minor="${ver#*.}"
    minor="${minor%%.*}"
    local k8s_ld="-X $kv.gitVersion=$K8S_VERSION -X $kv.gitMajor=$major -X $kv.gitMinor=$minor -X $kv.gitTreeState=clean"
    k8s_ld="$k8s_ld -X $cv.gitVersion=$K8S_VERSION -X $cv.gitMajor=$major -X $cv.gitMinor=$minor -X $cv.gitTreeState=clean"

    if [ ! -x "$bin/etcd" ]; then
        log "building etcd $ETCD_VERSION"
        _gen_simple_module "$work/etcd" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" go.etcd.io/etcd/server/v3 1.26.0
        _go_build "$work/etcd" "$bin/etcd" "" go.etcd.io/etcd/server/v3 || die "building etcd $ETCD_VERSION failed"
    fi
    if [ ! -x "$bin/coredns" ]; then
        log "building coredns $COREDNS_VERSION (plugin subset)"
        _gen_simple_module "$work/coredns" github.com/coredns/coredns "$COREDNS_VERSION" github.com/coredns/coredns/coremain 1.24.0
        cp "$CLUSTER_DIR/src/coredns/main.go" "$work/coredns/main.go"
        _go_build "$work/coredns" "$bin/coredns" "-X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" . \
            || die "building coredns $COREDNS_VERSION failed"
    fi
    if [ ! -x "$bin/pause" ]; then
        log "building pause"
        mkdir -p "$work/pause"
        printf 'module psk.local/cluster/pause\n\ngo 1.24.0\n' > "$work/pause/go.mod"
        cp "$CLUSTER_DIR/src/pause/main.go" "$work/pause/main.go"
        _go_build "$work/pause" "$bin/pause" "" . || die "building pause failed"
    fi
    local missing=0 b
    for b in "${K8S_BINARIES[@]}"; do [ -x "$bin/$b" ] || missing=1; done
    if [ "$missing" = 1 ]; then
        log "building Kubernetes $K8S_VERSION: ${K8S_BINARIES[*]}"
        _gen_k8s_module "$work/k8s"
        local pkgs=()
        for b in "${K8S_BINARIES[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
        _go_build "$work/k8s" "$bin/" "$k8s_ld" "${pkgs[@]}" || die "building Kubernetes $K8S_VERSION failed"
    fi
    touch "$bin/.complete"
    log "build done in $(($(date +%s) - t0))s: $(du -sh "$bin" | cut -f1)"
    BIN_DIR="$bin"
}
