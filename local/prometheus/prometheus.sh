#!/usr/bin/env bash
# The local Prometheus of pyspark-k8s: the server built from its Go module (pinned in
# versions.env), scraping the Spark drivers of the local cluster. The end-to-end tests
# start it (scripts/e2e.sh) and check that a run's metrics reached it.
#
# Usage: prometheus.sh build | up | status | down [--purge] | query EXPR
#   build         build (or reuse) the server only (build.sh); prints its path
#   up            build or reuse, configure, start on 127.0.0.1:9090, wait until ready
#   status        PID and readiness; exit 1 if it is not running and ready
#   down          stop it by PID (SIGTERM, bounded wait, SIGKILL)
#   down --purge  also delete its data, logs and configuration
#   query EXPR    an instant query's result, as JSON
#
# Bind address: PROMETHEUS_BIND, default 127.0.0.1 (versions.env): it only scrapes.
# Binary:  ${PSK_CACHE:-$HOME/.cache/pyspark-k8s}/prometheus/bin/<stamp>/prometheus
# State:   ${PSK_STATE:-/var/lib/pyspark-k8s}/prometheus/ (data/, logs/, prometheus.yml,
#          prometheus.pid, run.env)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

main() {
    local cmd=${1:-}
    [ $# -gt 0 ] && shift
    case "$cmd" in
        build) exec bash "$HERE/build.sh" "$@" ;;
        up | status | down | query) exec bash "$HERE/service.sh" "$cmd" "$@" ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
