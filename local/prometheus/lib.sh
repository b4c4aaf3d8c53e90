# shellcheck shell=bash disable=SC2034
# Settings and helpers shared by the local Prometheus' scripts (build.sh, service.sh).
# Sourced, not executed.

PROMETHEUS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$PROMETHEUS_DIR/versions.env"
LOG_TAG=prometheus
# shellcheck source=../../scripts/common.sh
. "$PROMETHEUS_DIR/../../scripts/common.sh"
# shellcheck source=../lib/process.sh
. "$PROMETHEUS_DIR/../lib/process.sh"
# shellcheck source=../lib/progress.sh
. "$PROMETHEUS_DIR/../lib/progress.sh"

CACHE=${PSK_CACHE:-$HOME/.cache/pyspark-k8s}/prometheus
STATE=${PSK_STATE:-/var/lib/pyspark-k8s}/prometheus
DATA_DIR=$STATE/data
LOG_DIR=$STATE/logs
LOG=$LOG_DIR/prometheus.log
PIDFILE=$STATE/prometheus.pid
CONFIG=$STATE/prometheus.yml
RUN_ENV=$STATE/run.env
SRC_DIR=$PROMETHEUS_DIR/src/prometheus
KUBECONFIG_FILE=${PSK_STATE:-/var/lib/pyspark-k8s}/cluster/kubeconfig

# build_stamp: names the binary's directory; covers the module files, the build flags
# (build.sh, versions.env) and the Go version.
build_stamp() {
    {
        cat "$SRC_DIR"/{go.mod,go.sum,tools.go} "$PROMETHEUS_DIR/build.sh" "$PROMETHEUS_DIR/versions.env"
        go env GOVERSION 2> /dev/null || echo nogo
    } | sha256sum | cut -c1-16
}

# binary_path: where the binary for the current sources lives (built or not).
binary_path() { printf '%s/bin/%s/prometheus\n' "$CACHE" "$(build_stamp)"; }

# running_pid: the server's PID if it runs (pidfile checked against the executable).
running_pid() { proc_pid "$PIDFILE" prometheus; }

# resolve_bind: BIND is the address of the running server (run.env), else PROMETHEUS_BIND
# or the default.
resolve_bind() {
    BIND=${PROMETHEUS_BIND:-$PROMETHEUS_DEFAULT_BIND}
    if running_pid > /dev/null && [ -s "$RUN_ENV" ]; then
        BIND=$(sed -n 's/^BIND=//p' "$RUN_ENV")
    fi
}

prometheus_url() { printf 'http://%s:%s\n' "$BIND" "$PROMETHEUS_PORT"; }
