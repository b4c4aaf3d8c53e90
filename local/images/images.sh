#!/usr/bin/env bash
# Local image toolchain for pyspark-k8s: a private Docker engine (engine.sh), a local
# registry on 127.0.0.1:5000 (registry.sh) and the Spark base images
# 127.0.0.1:5000/spark-py:<pyspark version> (base-image.sh): Spark 3.5 (SPARK_IMAGE_TAG in
# versions.env, the default, the one `npm run job` uses) and, for the tests, Spark 4
# (SPARK4_IMAGE_TAG).
#
# Usage: images.sh up [--spark4] | status [--spark4] | down | build-base [VERSION] [--no-cache]
#   up          install missing Debian packages, start containerd + dockerd + registry,
#               build (or reuse) and push the Spark 3.5 base image (and with --spark4, or
#               PSK_IMAGES_SPARK4=1, the Spark 4 image too), print their digest references,
#               one a line (Spark 3.5 first)
#   status      PIDs, health, the images present and up to date, ref files (the Spark 4
#               image is required only with --spark4)
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
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

start_services() {
    bash "$HERE/packages.sh"
    bash "$HERE/engine.sh" start
    bash "$HERE/registry.sh" start
}

main() {
    local cmd=${1:-} status=0 spark4=()
    [ $# -gt 0 ] && shift
    if [ "${PSK_IMAGES_SPARK4:-0}" = 1 ]; then spark4=(--spark4); fi
    case "$cmd" in
        up)
            need_root
            case "${1:-}" in
                "") ;;
                --spark4) spark4=(--spark4) ;;
                *) die "up: unknown option '$1' (only --spark4)" ;;
            esac
            start_services
            bash "$HERE/base-image.sh" ensure "${spark4[@]}"
            ;;
        status)
            case "${1:-}" in
                "") ;;
                --spark4) spark4=(--spark4) ;;
                *) die "status: unknown option '$1' (only --spark4)" ;;
            esac
            bash "$HERE/engine.sh" status || status=1
            bash "$HERE/registry.sh" status || status=1
            bash "$HERE/base-image.sh" status "${spark4[@]}" || status=1
            return "$status"
            ;;
        down)
            need_root
            bash "$HERE/registry.sh" stop || status=1
            bash "$HERE/engine.sh" stop || status=1
            log "down (caches kept under $CACHE)"
            return "$status"
            ;;
        build-base)
            need_root
            start_services
            bash "$HERE/base-image.sh" build "$@"
            ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
