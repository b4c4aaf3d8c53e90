#!/usr/bin/env bash
# Local S3-compatible object store for pyspark-k8s: s3gw, the Versity S3 Gateway
# (versitygw, Apache-2.0) with its POSIX backend, built from the Go module proxy, serving
# one directory on the local cluster's bridge. One process, one listening port.
#
# Usage: objectstore.sh build | up | status | down [--purge] | env | put | get | list
#   build         build (or reuse) s3gw only (build.sh); prints its path
#   up            build or reuse s3gw, create credentials on first use (or take the ones
#                 given in OBJECTSTORE_ACCESS_KEY_ID and OBJECTSTORE_SECRET_ACCESS_KEY,
#                 restarting a store that runs with others), start the store on the bind
#                 address and wait until the S3 API answers (service.sh)
#   status        PID and health; exit 1 if the store is not running and healthy
#   down          stop s3gw by PID: SIGTERM, a bounded wait (OBJECTSTORE_STOP_TIMEOUT, 10 s),
#                 then SIGKILL
#   down --purge  also delete the data, logs and credentials
#   env           print S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION
#                 as KEY=value lines (s3.sh)
#   put BUCKET KEY FILE   upload FILE (creating BUCKET if needed), signed with the keys
#   get BUCKET KEY OUT    download an object into OUT
#   list BUCKET [PREFIX]  the keys under PREFIX, one a line
#
# Bind address: OBJECTSTORE_BIND, default the local cluster's bridge IP (versions.env);
# `up` fails if the address is not on the host.
# Binary:  ${PSK_CACHE:-$HOME/.cache/pyspark-k8s}/objectstore/bin/<stamp>/s3gw
# State:   ${PSK_STATE:-/var/lib/pyspark-k8s}/objectstore/ (data/, logs/, s3gw.pid,
#          credentials.env, run.env)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

main() {
    local cmd=${1:-}
    [ $# -gt 0 ] && shift
    case "$cmd" in
        build) exec bash "$HERE/build.sh" "$@" ;;
        up | status) exec bash "$HERE/service.sh" "$cmd" "$@" ;;
        down) exec bash "$HERE/service.sh" down "$@" ;;
        env | put | get | list) exec bash "$HERE/s3.sh" "$cmd" "$@" ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
