#!/usr/bin/env bash
# The Spark base images, built from spark-base/ on a debootstrapped Debian and pushed to the
# local registry: 127.0.0.1:5000/spark-py:<pyspark version>. Spark 3.5 (SPARK_IMAGE_TAG,
# the project's default, what `npm run job` uses) always; Spark 4 (SPARK4_IMAGE_TAG, used by
# the tests) only when asked for (--spark4). Each image has an input hash over its pins and
# the files of spark-base/; an image whose hash is in the registry is reused.
#
# Usage: base-image.sh ensure [--spark4] | build [VERSION] [--no-cache] | status [--spark4]
#   ensure     build (or reuse) and push the Spark 3.5 image, and with --spark4 the Spark 4
#              image too; print their digest references, one a line (Spark 3.5 first)
#   build      always rebuild and push both images, or only the one whose tag is VERSION
#   status     each image present and up to date, its ref file; the Spark 4 image counts
#              (exit 1 when missing) only with --spark4
set -euo pipefail
# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
# shellcheck source=registry.sh
. "$IMAGES_DIR/registry.sh"

# Rough figures for a cold run on 2 cores (README.md, "Measured"), for the progress lines.
EXPECT_ROOTFS=60
EXPECT_WHEELS=30
EXPECT_BUILD=60
EXPECT_PUSH=30

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

rootfs_tar() { printf '%s/rootfs/debian-%s-%s-%s.tar\n' "$CACHE" "$DEBIAN_SUITE" "$DEBIAN_VARIANT" "$(dpkg --print-architecture)"; }

# _make_rootfs TAR MIRROR: debootstrap into a temporary directory, then the tarball and its hash.
_make_rootfs() {
    local tar=$1 mirror=$2 dir
    dir=$(mktemp -d "$CACHE/rootfs/tmp.XXXXXX")
    debootstrap --variant="$DEBIAN_VARIANT" "$DEBIAN_SUITE" "$dir/root" "$mirror" || {
        rm -rf "$dir"
        return 1
    }
    # The image uses the same apt sources as this host (suites incl. updates/security).
    if [ -r /etc/apt/sources.list.d/debian.sources ]; then
        cp /etc/apt/sources.list.d/debian.sources "$dir/root/etc/apt/sources.list.d/debian.sources"
        rm -f "$dir/root/etc/apt/sources.list"
    fi
    rm -rf "$dir/root/var/cache/apt/archives/"*.deb "$dir/root/var/lib/apt/lists/"* "$dir/root/var/log/"*.log
    tar --numeric-owner --sort=name -C "$dir/root" -cf "$dir/rootfs.tar" .
    sha256sum "$dir/rootfs.tar" | awk '{print $1}' > "$tar.sha256"
    mv "$dir/rootfs.tar" "$tar"
    rm -rf "$dir"
}

ensure_rootfs() {
    local tar
    tar=$(rootfs_tar)
    if [ -s "$tar" ] && [ -s "$tar.sha256" ]; then return 0; fi
    mkdir -p "$CACHE/rootfs"
    progress_run "debootstrap --variant=$DEBIAN_VARIANT $DEBIAN_SUITE (Debian OS layer)" "$EXPECT_ROOTFS" \
        "$STATE/debootstrap.log" _make_rootfs "$tar" "$(debian_mirror)"
}

ensure_debian_image() {
    local tar sha have
    tar=$(rootfs_tar)
    sha=$(cat "$tar.sha256")
    have=$($DOCKER image inspect -f '{{ index .Config.Labels "io.pyspark-k8s.rootfs-sha256" }}' "$DEBIAN_IMAGE" 2> /dev/null || true)
    if [ "$have" = "$sha" ]; then return 0; fi
    progress_run "docker import of the Debian OS layer as $DEBIAN_IMAGE" 10 "$STATE/debootstrap.log" \
        "$DOCKER" import \
        --change "LABEL io.pyspark-k8s.rootfs-sha256=$sha io.pyspark-k8s.built-locally=true" \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["/bin/bash"]' \
        "$tar" "$DEBIAN_IMAGE"
}

# ---------------------------------------------------------------------------------------
# PySpark wheels (built with the host's pip, its configured index and its cache: a wheel
# the toolchain's pip built for the same version is reused)
# ---------------------------------------------------------------------------------------
wheel_dir() { printf '%s/wheels/pyspark-%s-py4j-%s\n' "$CACHE" "$1" "$2"; }

have_wheels() { # PYSPARK-VERSION PY4J-VERSION
    local dir
    dir=$(wheel_dir "$1" "$2")
    compgen -G "$dir/pyspark-$1-*.whl" > /dev/null && compgen -G "$dir/py4j-$2-*.whl" > /dev/null
}

_make_wheels() { # PYSPARK-VERSION PY4J-VERSION
    local dir tmp
    dir=$(wheel_dir "$1" "$2")
    mkdir -p "$CACHE/wheels"
    tmp=$(mktemp -d "$CACHE/wheels/tmp.XXXXXX")
    python3 -m pip wheel --no-deps --disable-pip-version-check -w "$tmp" "pyspark==$1" "py4j==$2" || {
        rm -rf "$tmp"
        return 1
    }
    rm -rf "$dir"
    mv "$tmp" "$dir"
}

ensure_wheels() { # PYSPARK-VERSION PY4J-VERSION
    have_wheels "$1" "$2" && return 0
    progress_run "pip wheel pyspark==$1 py4j==$2 (a ~320 MB download for 3.5, ~460 MB for 4.x)" \
        "$EXPECT_WHEELS" "$STATE/pip-wheel-$1.log" _make_wheels "$1" "$2"
}

# ---------------------------------------------------------------------------------------
# Spark base images: both from spark-base/, each with its own PyPI pins, tag, input hash
# and ref file
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
        (cd "$IMAGES_DIR/spark-base" && find . -type f | LC_ALL=C sort | xargs sha256sum)
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

# prepare_inputs NAME...: the OS image and the wheels the named images need. The wheels
# download while debootstrap runs (both mostly wait on the network).
prepare_inputs() {
    local name pids=() pid
    for name in "$@"; do
        select_image "$name"
        if ! have_wheels "$IMG_PYSPARK" "$IMG_PY4J"; then
            ensure_wheels "$IMG_PYSPARK" "$IMG_PY4J" &
            pids+=($!)
        fi
    done
    ensure_rootfs
    for pid in "${pids[@]}"; do wait "$pid" || die "preparing the PySpark wheels failed (see above)"; done
    ensure_debian_image
}

_docker_build() { # HASH CONTEXT [docker build args]
    local hash=$1 ctx=$2
    shift 2
    "$DOCKER" build --network host "$@" \
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
        "$ctx"
}

_docker_push() { # TAG...
    local tag
    for tag in "$@"; do "$DOCKER" push "$SPARK_IMAGE:$tag" || return 1; done
}

build_spark_image() { # HASH [--no-cache]
    local hash=$1 ctx
    shift
    ctx=$CACHE/build/context-$IMG_TAG
    rm -rf "$ctx"
    mkdir -p "$ctx/wheels"
    cp -a "$IMAGES_DIR/spark-base/." "$ctx/"
    ln "$(wheel_dir "$IMG_PYSPARK" "$IMG_PY4J")"/*.whl "$ctx/wheels/" 2> /dev/null \
        || cp "$(wheel_dir "$IMG_PYSPARK" "$IMG_PY4J")"/*.whl "$ctx/wheels/"
    : > "$IMG_BUILD_LOG"
    progress_run "docker build $SPARK_IMAGE:$IMG_TAG (input hash $hash)" "$EXPECT_BUILD" "$IMG_BUILD_LOG" \
        _docker_build "$hash" "$ctx" "$@"
    if grep -q 'WARNING: .* not served by the mirror' "$IMG_BUILD_LOG"; then
        grep 'WARNING: .* not served by the mirror' "$IMG_BUILD_LOG" >&2
    fi
    rm -rf "$ctx"
    progress_run "docker push $SPARK_IMAGE:$IMG_TAG (to the local registry)" "$EXPECT_PUSH" "$IMG_BUILD_LOG" \
        _docker_push "$IMG_TAG-in$hash" "$IMG_TAG"
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

# image_current: the selected image's build for its input hash is in the registry.
image_current() { [ -n "$(registry_digest "$SPARK_IMAGE_REPO" "$IMG_TAG-in$(input_hash)")" ]; }

ensure_spark_image() { # NAME force(0|1) [docker build args]
    select_image "$1"
    local force=$2 hash digest main
    shift 2
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
cmd_ensure() {
    local names=(spark3) arg name todo=()
    for arg in "$@"; do
        case "$arg" in
            --spark4) names=(spark3 spark4) ;;
            *) die "ensure: unknown option '$arg' (only --spark4)" ;;
        esac
    done
    check_pins
    for name in "${names[@]}"; do
        select_image "$name"
        image_current || todo+=("$name")
    done
    [ "${#todo[@]}" = 0 ] || prepare_inputs "${todo[@]}"
    for name in "${names[@]}"; do ensure_spark_image "$name" 0; done
}

cmd_build() {
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
    prepare_inputs "${names[@]}"
    for name in "${names[@]}"; do ensure_spark_image "$name" 1 "${args[@]}"; done
}

cmd_status() {
    local rc=0 name digest hash required
    for name in "${SPARK_BASE_IMAGES[@]}"; do
        select_image "$name"
        required=1
        if [ "$name" = spark4 ] && [ "${1:-}" != --spark4 ]; then required=0; fi
        if registry_ping > /dev/null 2>&1; then
            hash=$(input_hash)
            digest=$(registry_digest "$SPARK_IMAGE_REPO" "$IMG_TAG")
            if [ -n "$digest" ]; then
                echo "image:      $SPARK_IMAGE:$IMG_TAG present ($SPARK_IMAGE@$digest)"
                if [ "$(registry_digest "$SPARK_IMAGE_REPO" "$IMG_TAG-in$hash")" = "$digest" ]; then
                    echo "            up to date with local/images (input hash $hash)"
                else
                    echo "            OUT OF DATE: no build for input hash $hash yet (run: images.sh up$([ "$name" = spark3 ] || echo ' --spark4'))"
                    [ "$required" = 0 ] || rc=1
                fi
            elif [ "$required" = 1 ]; then
                echo "image:      $SPARK_IMAGE:$IMG_TAG not in the registry (run: images.sh up$([ "$name" = spark3 ] || echo ' --spark4'))"
                rc=1
            else
                echo "image:      $SPARK_IMAGE:$IMG_TAG not in the registry (only the tests need it: images.sh up --spark4)"
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

main() {
    local cmd=${1:-}
    [ $# -gt 0 ] && shift
    case "$cmd" in
        ensure) cmd_ensure "$@" ;;
        build) cmd_build "$@" ;;
        status) cmd_status "$@" ;;
        *) die "usage: base-image.sh ensure [--spark4] | build [VERSION] [--no-cache] | status [--spark4]" ;;
    esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
