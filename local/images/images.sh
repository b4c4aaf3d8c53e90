#!/usr/bin/env bash
# Local image toolchain for pyspark-k8s: a private Docker engine, a local registry on
# 127.0.0.1:5000 and two Spark base images 127.0.0.1:5000/spark-py:<pyspark version>:
# Spark 3.5 (SPARK_IMAGE_TAG in versions.env, the default) and Spark 4 (SPARK4_IMAGE_TAG).
#
# Usage: images.sh up | status | down | build-base [VERSION] [--no-cache]
#   up          install missing Debian packages, start containerd + dockerd + registry,
#               build (or reuse) and push both Spark base images, print their digest
#               references, one a line (Spark 3.5 first, then Spark 4)
#   status      PIDs, health, both images present and up to date, ref files
#   down        stop registry, dockerd and containerd by PID; leave no process/mount behind
#   build-base  (starts the daemons if needed) always rebuild and push both Spark base
#               images, or only the one whose tag is VERSION (e.g. 3.5.7 or 4.3.0)
#
# Digest references are written to ${PSK_STATE:-/var/lib/pyspark-k8s}/images/spark-base.ref
# (Spark 3.5) and .../spark4-base.ref (Spark 4).
#
# No container registry is reachable: the OS image is made with debootstrap, PySpark comes
# from wheels built with the host's pip. Caches (kept across down/up):
#   ${PSK_CACHE:-$HOME/.cache/pyspark-k8s}/images/{docker,containerd,registry,rootfs,wheels}
# Runtime state, pidfiles, logs: ${PSK_STATE:-/var/lib/pyspark-k8s}/images/
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env disable=SC1091
. "$HERE/versions.env"
# shellcheck source=../lib/process.sh disable=SC1091
. "$HERE/../lib/process.sh"

CACHE=${PSK_CACHE:-$HOME/.cache/pyspark-k8s}/images
STATE=${PSK_STATE:-/var/lib/pyspark-k8s}/images

DOCKER_DATA=$CACHE/docker
DOCKER_EXEC=$STATE/docker-exec
DOCKER_SOCK=$STATE/docker.sock
DOCKER_PIDFILE=$STATE/dockerd.pid
DOCKER_LOG=$STATE/dockerd.log
CTRD_ROOT=$CACHE/containerd
CTRD_STATE=$STATE/containerd
CTRD_SOCK=$CTRD_STATE/containerd.sock
CTRD_PIDFILE=$STATE/containerd.pid
CTRD_LOG=$STATE/containerd.log
REG_DATA=$CACHE/registry
REG_PIDFILE=$STATE/registry.pid
REG_LOG=$STATE/registry.log
REG_CONFIG=$STATE/registry.yml

REGISTRY=$LOCAL_REGISTRY_ADDR
SPARK_IMAGE=$REGISTRY/$SPARK_IMAGE_REPO

export DOCKER_HOST=unix://$DOCKER_SOCK
export DOCKER_BUILDKIT=0               # classic builder: no frontend image to pull
export DOCKER_CONFIG=$STATE/docker-cli # keep host credential helpers out of the way
# The Debian CLI matches the daemon (20.10); any docker CLI works with the socket.
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi

log() { printf '[images %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
    printf '[images] ERROR: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------
# host packages
# ---------------------------------------------------------------------------------------
APT_UPDATED=0
apt_install_pinned() { # pkg=version ...
    local spec pkg ver args=()
    if [ "$APT_UPDATED" = 0 ]; then
        log "apt-get update"
        apt-get -o DPkg::Lock::Timeout=600 update -q > /dev/null || die "apt-get update failed (is the Debian mirror reachable?)"
        APT_UPDATED=1
    fi
    for spec in "$@"; do
        pkg=${spec%%=*}
        ver=${spec#*=}
        if [ "$pkg" != "$spec" ] && [ -n "$ver" ] && apt-cache show "$pkg=$ver" > /dev/null 2>&1; then
            args+=("$pkg=$ver")
        else
            [ "$pkg" = "$spec" ] || log "WARNING: $pkg $ver (versions.env) not served by the mirror; installing the candidate"
            args+=("$pkg")
        fi
    done
    log "apt-get install ${args[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
        --no-install-recommends "${args[@]}" >> "$STATE/apt.log" 2>&1 \
        || die "apt-get install ${args[*]} failed; see $STATE/apt.log"
}

# dpkg-query exits 1 for a package that was never installed (or was purged): that is "none", not an error.
deb_version() { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2> /dev/null | awk '$3=="installed"{print $4}' || true; }

ensure_packages() {
    local spec pkg want have missing=()
    for spec in "docker.io=$DOCKER_IO_DEB_VERSION" "containerd=$CONTAINERD_DEB_VERSION" \
        "runc=$RUNC_DEB_VERSION" "docker-registry=$DOCKER_REGISTRY_DEB_VERSION" \
        "debootstrap=$DEBOOTSTRAP_DEB_VERSION" curl; do
        pkg=${spec%%=*}
        want=${spec#*=}
        have=$(deb_version "$pkg")
        if [ -z "$have" ]; then
            missing+=("$spec")
        elif [ "$pkg" != "$spec" ] && [ "$have" != "$want" ]; then
            log "note: $pkg $have installed (versions.env pins $want)"
        fi
    done
    if [ "${#missing[@]}" -gt 0 ]; then apt_install_pinned "${missing[@]}"; fi
    if ! python3 -m pip --version > /dev/null 2>&1; then apt_install_pinned python3-pip; fi
}

# ---------------------------------------------------------------------------------------
# daemons (local/lib/process.sh: stopped by the PID we recorded, never by name)
# ---------------------------------------------------------------------------------------
docker_ping() { curl -fsS --max-time 3 --unix-socket "$DOCKER_SOCK" http://docker/_ping; }
registry_ping() { curl -fsS --max-time 3 "http://$REGISTRY/v2/"; }
containerd_ping() { ctr --address "$CTRD_SOCK" version; }

start_containerd() {
    if proc_pid "$CTRD_PIDFILE" containerd > /dev/null; then return 0; fi
    mkdir -p "$CTRD_ROOT" "$CTRD_STATE"
    # Our own containerd (own root, state, socket, no CRI): it can never clash with the
    # containerd of the Kubernetes cluster, whatever socket that one uses.
    cat > "$STATE/containerd.toml" << EOF
version = 2
root = "$CTRD_ROOT"
state = "$CTRD_STATE"
oom_score = 0
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CTRD_SOCK"
[ttrpc]
  address = "$CTRD_SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$CTRD_ROOT/opt"
EOF
    log "starting containerd (socket $CTRD_SOCK)"
    proc_start containerd "$CTRD_PIDFILE" "$CTRD_LOG" containerd --config "$STATE/containerd.toml"
    proc_wait_for containerd 30 "$CTRD_LOG" containerd_ping
}

start_dockerd() {
    if proc_pid "$DOCKER_PIDFILE" dockerd > /dev/null; then return 0; fi
    mkdir -p "$DOCKER_DATA" "$DOCKER_EXEC"
    echo '{}' > "$STATE/daemon.json"
    # No bridge, no iptables, no ip_forward change: builds use `--network host`, test
    # containers `--network none`; nothing in the host's network setup is touched.
    log "starting dockerd (socket $DOCKER_SOCK, data-root $DOCKER_DATA)"
    # dockerd writes its own pidfile (--pidfile): proc_start is given none.
    proc_start dockerd "" "$DOCKER_LOG" dockerd \
        --config-file "$STATE/daemon.json" \
        --data-root "$DOCKER_DATA" \
        --exec-root "$DOCKER_EXEC" \
        --pidfile "$DOCKER_PIDFILE" \
        --host "unix://$DOCKER_SOCK" \
        --containerd "$CTRD_SOCK" \
        --storage-driver overlay2 \
        --bridge none --iptables=false --ip-forward=false --ip-masq=false \
        --oom-score-adjust 0
    local launcher=$PROC_STARTED_PID
    proc_wait_for dockerd 60 "$DOCKER_LOG" docker_ping
    # make sure the pidfile names the process we launched
    proc_pid "$DOCKER_PIDFILE" dockerd > /dev/null || echo "$launcher" > "$DOCKER_PIDFILE"
}

port_owner() { ss -Hltnp "sport = :${REGISTRY##*:}" 2> /dev/null | head -n1; }

start_registry() {
    if proc_pid "$REG_PIDFILE" docker-registry > /dev/null; then return 0; fi
    local busy
    busy=$(port_owner)
    [ -z "$busy" ] || die "port ${REGISTRY##*:} is already in use by another process: $busy"
    mkdir -p "$REG_DATA"
    cat > "$REG_CONFIG" << EOF
version: 0.1
log:
  level: info
  fields:
    service: psk-registry
storage:
  filesystem:
    rootdirectory: $REG_DATA
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $REGISTRY
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
EOF
    log "starting registry on $REGISTRY (storage $REG_DATA)"
    proc_start registry "$REG_PIDFILE" "$REG_LOG" docker-registry serve "$REG_CONFIG"
    proc_wait_for registry 30 "$REG_LOG" registry_ping
}

start_all() {
    mkdir -p "$STATE" "$CACHE" "$DOCKER_CONFIG"
    ensure_packages
    start_containerd
    start_dockerd
    start_registry
}

# ---------------------------------------------------------------------------------------
# registry helpers (plain HTTP API on 127.0.0.1)
# ---------------------------------------------------------------------------------------
MANIFEST_TYPES='application/vnd.docker.distribution.manifest.v2+json,application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.list.v2+json,application/vnd.oci.image.index.v1+json'

# registry_digest REPO TAG -> sha256:... (empty if absent)
registry_digest() {
    local headers
    headers=$(curl -fsS --max-time 10 -I -H "Accept: $MANIFEST_TYPES" \
        "http://$REGISTRY/v2/$1/manifests/$2" 2> /dev/null) || return 0
    printf '%s\n' "$headers" | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}'
}

# registry_retag REPO FROM-TAG TO-TAG: same manifest bytes -> same digest, no docker needed
registry_retag() {
    local repo=$1 from=$2 to=$3 tmp ctype
    tmp=$(mktemp)
    ctype=$(curl -fsS --max-time 30 -H "Accept: $MANIFEST_TYPES" -o "$tmp" -w '%{content_type}' \
        "http://$REGISTRY/v2/$repo/manifests/$from") || {
        rm -f "$tmp"
        die "could not read manifest $repo:$from"
    }
    curl -fsS --max-time 30 -X PUT -H "Content-Type: $ctype" --data-binary "@$tmp" \
        "http://$REGISTRY/v2/$repo/manifests/$to" > /dev/null || {
        rm -f "$tmp"
        die "could not tag $repo:$to"
    }
    rm -f "$tmp"
}

# ---------------------------------------------------------------------------------------
# base OS image: debootstrap -> cached rootfs tarball -> docker import
# ---------------------------------------------------------------------------------------
debian_mirror() {
    local f=/etc/apt/sources.list.d/debian.sources m=""
    if [ -r "$f" ]; then
        # first URIs of a stanza whose Suites list the release itself (not -security/-updates)
        m=$(awk -v suite="$DEBIAN_SUITE" 'BEGIN{RS=""; FS="\n"} {
          uri=""; ok=0
          for (i = 1; i <= NF; i++) {
            if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); uri = a[2] }
            if ($i ~ /^Suites:/) { n = split($i, s, /[ \t]+/); for (j = 2; j <= n; j++) if (s[j] == suite) ok = 1 }
          }
          if (ok && uri != "") { print uri; exit }
        }' "$f")
    fi
    if [ -z "$m" ] && [ -r /etc/apt/sources.list ]; then
        m=$(awk -v suite="$DEBIAN_SUITE" '$1=="deb" && $3==suite {print $2; exit}' /etc/apt/sources.list)
    fi
    [ -n "$m" ] || die "cannot find the Debian mirror for '$DEBIAN_SUITE' in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
    printf '%s\n' "$m"
}

ROOTFS_TAR=""
ensure_rootfs() {
    local arch dir mirror
    arch=$(dpkg --print-architecture)
    ROOTFS_TAR=$CACHE/rootfs/debian-$DEBIAN_SUITE-$DEBIAN_VARIANT-$arch.tar
    if [ -s "$ROOTFS_TAR" ] && [ -s "$ROOTFS_TAR.sha256" ]; then return 0; fi
    mirror=$(debian_mirror)
    mkdir -p "$CACHE/rootfs"
    dir=$(mktemp -d "$CACHE/rootfs/tmp.XXXXXX")
    log "debootstrap --variant=$DEBIAN_VARIANT $DEBIAN_SUITE (mirror from apt sources; ~1.5 min)"
    if ! debootstrap --variant="$DEBIAN_VARIANT" "$DEBIAN_SUITE" "$dir/root" "$mirror" > "$STATE/debootstrap.log" 2>&1; then
        tail -n 20 "$STATE/debootstrap.log" >&2
        rm -rf "$dir"
        die "debootstrap failed (log: $STATE/debootstrap.log)"
    fi
    # The image uses the same apt sources as this host (suites incl. updates/security).
    if [ -r /etc/apt/sources.list.d/debian.sources ]; then
        cp /etc/apt/sources.list.d/debian.sources "$dir/root/etc/apt/sources.list.d/debian.sources"
        rm -f "$dir/root/etc/apt/sources.list"
    fi
    rm -rf "$dir/root/var/cache/apt/archives/"*.deb "$dir/root/var/lib/apt/lists/"* "$dir/root/var/log/"*.log
    tar --numeric-owner --sort=name -C "$dir/root" -cf "$dir/rootfs.tar" .
    sha256sum "$dir/rootfs.tar" | awk '{print $1}' > "$ROOTFS_TAR.sha256"
    mv "$dir/rootfs.tar" "$ROOTFS_TAR"
    rm -rf "$dir"
    log "rootfs cached: $ROOTFS_TAR ($(du -h "$ROOTFS_TAR" | cut -f1))"
}

ensure_debian_image() {
    ensure_rootfs
    local sha have
    sha=$(cat "$ROOTFS_TAR.sha256")
    have=$($DOCKER image inspect -f '{{ index .Config.Labels "io.pyspark-k8s.rootfs-sha256" }}' "$DEBIAN_IMAGE" 2> /dev/null || true)
    if [ "$have" = "$sha" ]; then return 0; fi
    log "docker import $ROOTFS_TAR -> $DEBIAN_IMAGE"
    $DOCKER import \
        --change "LABEL io.pyspark-k8s.rootfs-sha256=$sha io.pyspark-k8s.built-locally=true" \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["/bin/bash"]' \
        "$ROOTFS_TAR" "$DEBIAN_IMAGE" > /dev/null || die "docker import of $ROOTFS_TAR failed"
}

# ---------------------------------------------------------------------------------------
# PySpark wheels (built with the host's pip and its configured index)
# ---------------------------------------------------------------------------------------
# One directory per (pyspark, py4j) pair, so the wheels of both images live side by side.
WHEEL_DIR=""
ensure_wheels() { # PYSPARK-VERSION PY4J-VERSION
    local pyspark=$1 py4j=$2 tmp wlog
    WHEEL_DIR=$CACHE/wheels/pyspark-$pyspark-py4j-$py4j
    if compgen -G "$WHEEL_DIR/pyspark-$pyspark-*.whl" > /dev/null \
        && compgen -G "$WHEEL_DIR/py4j-$py4j-*.whl" > /dev/null; then
        return 0
    fi
    wlog=$STATE/pip-wheel-$pyspark.log
    mkdir -p "$CACHE/wheels"
    tmp=$(mktemp -d "$CACHE/wheels/tmp.XXXXXX")
    log "pip wheel pyspark==$pyspark py4j==$py4j (downloads ~320 MB for 3.5, ~460 MB for 4.x; ~1 min)"
    if ! python3 -m pip wheel --no-deps --no-cache-dir -w "$tmp" \
        "pyspark==$pyspark" "py4j==$py4j" > "$wlog" 2>&1; then
        tail -n 20 "$wlog" >&2
        rm -rf "$tmp"
        die "building the pyspark==$pyspark wheel failed (log: $wlog)"
    fi
    rm -rf "$WHEEL_DIR"
    mv "$tmp" "$WHEEL_DIR"
}

# ---------------------------------------------------------------------------------------
# Spark base images: both built from spark-base/, each with its own PyPI pins, tag, input
# hash and ref file
# ---------------------------------------------------------------------------------------
SPARK_BASE_IMAGES=(spark3 spark4)

# select_image NAME: sets IMG_TAG, IMG_PYSPARK, IMG_PY4J, IMG_REF_FILE, IMG_BUILD_LOG
select_image() {
    case "$1" in
        spark3)
            IMG_TAG=$SPARK_IMAGE_TAG
            IMG_PYSPARK=$PYSPARK_VERSION
            IMG_PY4J=$PY4J_VERSION
            IMG_REF_FILE=$STATE/spark-base.ref
            ;;
        spark4)
            IMG_TAG=$SPARK4_IMAGE_TAG
            IMG_PYSPARK=$SPARK4_PYSPARK_VERSION
            IMG_PY4J=$SPARK4_PY4J_VERSION
            IMG_REF_FILE=$STATE/spark4-base.ref
            ;;
        *) die "unknown Spark base image '$1'" ;;
    esac
    IMG_BUILD_LOG=$STATE/build-$IMG_TAG.log
}

# Pins that define an image. PYSPARK_VERSION and PY4J_VERSION stand for the selected
# image's own pins (for the Spark 3.5 image these are exactly the versions.env values, so
# its hash is the one it had when it was the only image).
IMAGE_KEYS=(PYSPARK_VERSION PY4J_VERSION OPENJDK_DEB OPENJDK_DEB_VERSION PYTHON3_DEB_VERSION
    PYTHON3_VENV_DEB_VERSION TINI_DEB_VERSION LIBNSS_WRAPPER_DEB_VERSION SPARK_UID
    DEBIAN_SUITE DEBIAN_VARIANT DEBIAN_IMAGE)

# Hash of everything that defines the selected image: its pins + the files in spark-base/.
input_hash() {
    local k v
    {
        for k in "${IMAGE_KEYS[@]}"; do
            case "$k" in
                PYSPARK_VERSION) v=$IMG_PYSPARK ;;
                PY4J_VERSION) v=$IMG_PY4J ;;
                *) v=${!k} ;;
            esac
            printf '%s=%s\n' "$k" "$v"
        done
        (cd "$HERE/spark-base" && find . -type f | LC_ALL=C sort | xargs sha256sum)
    } | sha256sum | cut -c1-16
}

check_pins() {
    [ "$SPARK_IMAGE_TAG" = "$PYSPARK_VERSION" ] \
        || die "versions.env: SPARK_IMAGE_TAG ($SPARK_IMAGE_TAG) must equal PYSPARK_VERSION ($PYSPARK_VERSION)"
    [ "$SPARK4_IMAGE_TAG" = "$SPARK4_PYSPARK_VERSION" ] \
        || die "versions.env: SPARK4_IMAGE_TAG ($SPARK4_IMAGE_TAG) must equal SPARK4_PYSPARK_VERSION ($SPARK4_PYSPARK_VERSION)"
    [ "$SPARK_IMAGE_TAG" != "$SPARK4_IMAGE_TAG" ] \
        || die "versions.env: SPARK_IMAGE_TAG and SPARK4_IMAGE_TAG must differ (both $SPARK_IMAGE_TAG)"
}

build_spark_image() { # HASH [--no-cache]
    local hash=$1
    shift
    ensure_debian_image
    ensure_wheels "$IMG_PYSPARK" "$IMG_PY4J"
    local ctx=$CACHE/build/context
    rm -rf "$ctx"
    mkdir -p "$ctx/wheels"
    cp -a "$HERE/spark-base/." "$ctx/"
    ln "$WHEEL_DIR"/*.whl "$ctx/wheels/" 2> /dev/null || cp "$WHEEL_DIR"/*.whl "$ctx/wheels/"
    log "docker build $SPARK_IMAGE:$IMG_TAG (input hash $hash; log $IMG_BUILD_LOG)"
    if ! $DOCKER build --network host "$@" \
        --build-arg "BASE_IMAGE=$DEBIAN_IMAGE" \
        --build-arg "OPENJDK_DEB=$OPENJDK_DEB" \
        --build-arg "OPENJDK_DEB_VERSION=$OPENJDK_DEB_VERSION" \
        --build-arg "PYTHON3_DEB_VERSION=$PYTHON3_DEB_VERSION" \
        --build-arg "PYTHON3_VENV_DEB_VERSION=$PYTHON3_VENV_DEB_VERSION" \
        --build-arg "TINI_DEB_VERSION=$TINI_DEB_VERSION" \
        --build-arg "LIBNSS_WRAPPER_DEB_VERSION=$LIBNSS_WRAPPER_DEB_VERSION" \
        --build-arg "PYSPARK_VERSION=$IMG_PYSPARK" \
        --build-arg "PY4J_VERSION=$IMG_PY4J" \
        --build-arg "SPARK_UID=$SPARK_UID" \
        --build-arg "PSK_INPUT_HASH=$hash" \
        -t "$SPARK_IMAGE:$IMG_TAG" -t "$SPARK_IMAGE:$IMG_TAG-in$hash" \
        "$ctx" > "$IMG_BUILD_LOG" 2>&1; then
        tail -n 30 "$IMG_BUILD_LOG" >&2
        die "docker build of the Spark base image $IMG_TAG failed (log: $IMG_BUILD_LOG)"
    fi
    if grep -q 'WARNING: .* not served by the mirror' "$IMG_BUILD_LOG"; then
        grep 'WARNING: .* not served by the mirror' "$IMG_BUILD_LOG" >&2
    fi
    rm -rf "$ctx"
    local tag
    for tag in "$IMG_TAG-in$hash" "$IMG_TAG"; do
        log "docker push $SPARK_IMAGE:$tag"
        $DOCKER push "$SPARK_IMAGE:$tag" >> "$IMG_BUILD_LOG" 2>&1 || die "docker push $SPARK_IMAGE:$tag failed (log: $IMG_BUILD_LOG)"
    done
}

write_ref() {
    local digest=$1 ref
    [ -n "$digest" ] || die "registry has no manifest for $SPARK_IMAGE:$IMG_TAG after push"
    ref=$SPARK_IMAGE@$digest
    printf '%s\n' "$ref" > "$IMG_REF_FILE.tmp"
    mv "$IMG_REF_FILE.tmp" "$IMG_REF_FILE"
    log "Spark base image: $SPARK_IMAGE:$IMG_TAG (written to $IMG_REF_FILE)"
    printf '%s\n' "$ref"
}

ensure_spark_image() { # NAME force(0|1) [docker build args]
    select_image "$1"
    local force=$2
    shift 2
    local hash digest main
    hash=$(input_hash)
    digest=$(registry_digest "$SPARK_IMAGE_REPO" "$IMG_TAG-in$hash")
    if [ "$force" = 0 ] && [ -n "$digest" ]; then
        main=$(registry_digest "$SPARK_IMAGE_REPO" "$IMG_TAG")
        if [ "$main" != "$digest" ]; then
            log "retagging $SPARK_IMAGE:$IMG_TAG-in$hash as :$IMG_TAG"
            registry_retag "$SPARK_IMAGE_REPO" "$IMG_TAG-in$hash" "$IMG_TAG"
        fi
        log "reusing $SPARK_IMAGE:$IMG_TAG from the registry (input hash $hash unchanged)"
    else
        build_spark_image "$hash" "$@"
    fi
    write_ref "$(registry_digest "$SPARK_IMAGE_REPO" "$IMG_TAG")"
}

# ---------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------
cmd_up() {
    check_pins
    start_all
    local name
    for name in "${SPARK_BASE_IMAGES[@]}"; do ensure_spark_image "$name" 0; done
}

cmd_build_base() {
    local args=() names=() arg name
    check_pins
    for arg in "$@"; do
        case "$arg" in
            --no-cache) args=(--no-cache) ;;
            -*) die "build-base: unknown option '$arg' (only --no-cache)" ;;
            *)
                [ "${#names[@]}" = 0 ] || die "build-base: one VERSION at most"
                for name in "${SPARK_BASE_IMAGES[@]}"; do
                    select_image "$name"
                    if [ "$IMG_TAG" = "$arg" ]; then names=("$name"); fi
                done
                [ "${#names[@]}" = 1 ] || die "build-base: no Spark base image with tag '$arg' (versions.env: $SPARK_IMAGE_TAG, $SPARK4_IMAGE_TAG)"
                ;;
        esac
    done
    if [ "${#names[@]}" = 0 ]; then names=("${SPARK_BASE_IMAGES[@]}"); fi
    start_all
    for name in "${names[@]}"; do ensure_spark_image "$name" 1 "${args[@]}"; done
}

cmd_status() {
    local rc=0 pid
    if pid=$(proc_pid "$CTRD_PIDFILE" containerd); then
        if containerd_ping > /dev/null 2>&1; then
            echo "containerd: running pid $pid, healthy ($CTRD_SOCK)"
        else
            echo "containerd: running pid $pid, NOT answering on $CTRD_SOCK"
            rc=1
        fi
    else
        echo "containerd: stopped"
        rc=1
    fi
    if pid=$(proc_pid "$DOCKER_PIDFILE" dockerd); then
        if docker_ping > /dev/null 2>&1; then
            echo "dockerd:    running pid $pid, healthy (DOCKER_HOST=$DOCKER_HOST, server $($DOCKER version -f '{{.Server.Version}}' 2> /dev/null))"
        else
            echo "dockerd:    running pid $pid, NOT answering on $DOCKER_SOCK"
            rc=1
        fi
    else
        echo "dockerd:    stopped"
        rc=1
    fi
    if pid=$(proc_pid "$REG_PIDFILE" docker-registry); then
        if registry_ping > /dev/null 2>&1; then
            echo "registry:   running pid $pid, healthy (http://$REGISTRY)"
        else
            echo "registry:   running pid $pid, NOT answering on $REGISTRY"
            rc=1
        fi
    else
        echo "registry:   stopped"
        rc=1
    fi
    local name digest hash
    for name in "${SPARK_BASE_IMAGES[@]}"; do
        select_image "$name"
        if registry_ping > /dev/null 2>&1; then
            hash=$(input_hash)
            digest=$(registry_digest "$SPARK_IMAGE_REPO" "$IMG_TAG")
            if [ -n "$digest" ]; then
                echo "image:      $SPARK_IMAGE:$IMG_TAG present ($SPARK_IMAGE@$digest)"
                if [ "$(registry_digest "$SPARK_IMAGE_REPO" "$IMG_TAG-in$hash")" = "$digest" ]; then
                    echo "            up to date with local/images (input hash $hash)"
                else
                    echo "            OUT OF DATE: no build for input hash $hash yet (run: images.sh up)"
                    rc=1
                fi
            else
                echo "image:      $SPARK_IMAGE:$IMG_TAG not in the registry (run: images.sh up)"
                rc=1
            fi
        else
            echo "image:      $SPARK_IMAGE:$IMG_TAG unknown (registry not reachable)"
        fi
        if [ -s "$IMG_REF_FILE" ]; then
            echo "ref file:   $IMG_REF_FILE -> $(cat "$IMG_REF_FILE")"
        else
            echo "ref file:   $IMG_REF_FILE: none"
        fi
    done
    return "$rc"
}

# mount points below a directory, deepest first
mounts_under() {
    local base
    base=$(readlink -f "$1" 2> /dev/null) || return 0
    awk -v b="$base" '$5 == b || index($5, b "/") == 1 {print $5}' /proc/self/mountinfo | sort -r
}

cmd_down() {
    local p m d
    proc_stop registry "$REG_PIDFILE" docker-registry 15
    proc_stop dockerd "$DOCKER_PIDFILE" dockerd 40
    proc_stop containerd "$CTRD_PIDFILE" containerd 20
    # container shims of OUR containerd (identified by its socket on their command line)
    for p in /proc/[0-9]*; do
        case "$(readlink "$p/exe" 2> /dev/null)" in
            */containerd-shim*) ;;
            *) continue ;;
        esac
        if tr '\0' ' ' < "$p/cmdline" 2> /dev/null | grep -qF -- "$CTRD_SOCK"; then
            proc_stop_pid containerd-shim "${p#/proc/}" 10
        fi
    done
    # mounts left below our directories (overlay layers, netns, shm) - normally none
    for d in "$DOCKER_EXEC" "$DOCKER_DATA" "$CTRD_STATE" "$CTRD_ROOT"; do
        while IFS= read -r m; do
            [ -n "$m" ] || continue
            log "unmounting leftover $m"
            umount "$m" 2> /dev/null || umount -l "$m" || log "WARNING: could not unmount $m"
        done < <(mounts_under "$d")
    done
    rm -f "$DOCKER_SOCK" "$CTRD_SOCK" "$CTRD_SOCK.ttrpc"
    # dockerd runs with --bridge none --iptables=false: it creates no bridge or chain;
    # say so if something like that exists anyway (not ours to remove).
    if ip link show docker0 > /dev/null 2>&1; then
        log "note: a docker0 bridge exists; it was not created by this dockerd (--bridge none)"
    fi
    log "down (caches kept under $CACHE)"
}

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

main() {
    [ "$(id -u)" = 0 ] || die "run as root (dockerd, debootstrap and apt need it)"
    local cmd=${1:-}
    [ $# -gt 0 ] && shift
    case "$cmd" in
        up) cmd_up ;;
        status) cmd_status ;;
        down) cmd_down ;;
        build-base) cmd_build_base "$@" ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
