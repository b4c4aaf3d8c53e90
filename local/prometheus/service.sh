#!/usr/bin/env bash
# The local Prometheus' process: the server (build.sh) scraping the Spark drivers of the
# local cluster, which it finds through the cluster's API (Kubernetes service discovery with
# the cluster's kubeconfig) by their scrape annotations.
#
# Usage: service.sh up | status | down [--purge] | query EXPR
#   up            build or reuse the server, write its configuration, start it on the bind
#                 address (loopback by default) and wait until it is ready
#   status        PID and health; exit 1 if it is not running and ready
#   down          stop it by PID: SIGTERM, a bounded wait (PROMETHEUS_STOP_TIMEOUT, 20 s),
#                 then SIGKILL
#   down --purge  also delete its data, logs and configuration
#   query EXPR    the instant query's result as JSON (the API's `data.result`)
set -euo pipefail
# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

START_TIMEOUT=${PROMETHEUS_START_TIMEOUT:-60}
STOP_TIMEOUT=${PROMETHEUS_STOP_TIMEOUT:-20}

port_busy() { ss -Hltn "sport = :$1" | grep -q .; }

# ready: the server says it is ready to serve queries.
ready() { curl -sf --max-time 2 "$(prometheus_url)/-/ready" > /dev/null; }

# write_config: two scrape jobs over the pods the discovery finds: the path a pod's
# prometheus.io/path annotation names (the drivers' own metrics), and the executors'
# metrics the drivers aggregate, which live on the same port.
write_config() {
    local job path
    mkdir -p "$STATE"
    {
        printf 'global:\n  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: 15s\n' \
            "$PROMETHEUS_SCRAPE_INTERVAL" "$PROMETHEUS_SCRAPE_INTERVAL"
        printf 'scrape_configs:\n'
        for job in spark-drivers spark-executors; do
            path='__meta_kubernetes_pod_annotation_prometheus_io_path'
            cat << YAML
  - job_name: $job
    kubernetes_sd_configs:
      - role: pod
        kubeconfig_file: $KUBECONFIG_FILE
    relabel_configs:
      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
        regex: "true"
        action: keep
      - source_labels: [__meta_kubernetes_pod_phase]
        regex: Running
        action: keep
      - source_labels: [__meta_kubernetes_pod_ip, __meta_kubernetes_pod_annotation_prometheus_io_port]
        regex: (.+);([0-9]+)
        replacement: \$1:\$2
        target_label: __address__
      - source_labels: [$path]
        regex: (.+)
        target_label: __metrics_path__
      - source_labels: [__meta_kubernetes_namespace]
        target_label: namespace
      - source_labels: [__meta_kubernetes_pod_name]
        target_label: pod
      - source_labels: [__meta_kubernetes_pod_label_pyspark_k8s_job]
        target_label: spark_job
      - source_labels: [__meta_kubernetes_pod_label_pyspark_k8s_run]
        target_label: spark_run
YAML
            if [ "$job" = spark-executors ]; then
                printf '      - target_label: __metrics_path__\n        replacement: /metrics/executors/prometheus\n'
            fi
        done
    } > "$CONFIG.tmp"
    mv "$CONFIG.tmp" "$CONFIG"
}

cmd_up() {
    local pid bin
    resolve_bind
    if pid=$(running_pid); then
        log "already running (pid $pid) on $(prometheus_url)"
        proc_wait_for "prometheus" "$START_TIMEOUT" "$LOG" ready
        return 0
    fi
    [ -s "$KUBECONFIG_FILE" ] || die "no kubeconfig at $KUBECONFIG_FILE: start the local cluster first: npm run cluster -- up"
    if port_busy "$PROMETHEUS_PORT"; then
        die "port $PROMETHEUS_PORT is already in use: $(ss -Hltnp "sport = :$PROMETHEUS_PORT" | head -n 2)"
    fi
    bin=$(bash "$PROMETHEUS_DIR/build.sh")
    write_config
    mkdir -p "$DATA_DIR" "$LOG_DIR"
    printf 'BIND=%s\n' "$BIND" > "$RUN_ENV"
    proc_start prometheus "$PIDFILE" "$LOG" "$bin" --config.file="$CONFIG" \
        --storage.tsdb.path="$DATA_DIR" --storage.tsdb.retention.time=2d \
        --web.listen-address="$BIND:$PROMETHEUS_PORT"
    proc_wait_for "prometheus" "$START_TIMEOUT" "$LOG" ready
    log "ready: $(prometheus_url) (pid $(cat "$PIDFILE"))"
}

cmd_status() {
    local pid
    resolve_bind
    if ! pid=$(running_pid); then
        echo "prometheus: stopped"
        return 1
    fi
    if ready; then
        echo "prometheus: running pid $pid, ready, $(prometheus_url)"
    else
        echo "prometheus: running pid $pid, NOT ready (log $LOG)"
        return 1
    fi
}

cmd_down() {
    local purge=0
    case "${1:-}" in
        "") ;;
        --purge) purge=1 ;;
        *) die "unknown option to down: $1 (only --purge)" ;;
    esac
    proc_stop prometheus "$PIDFILE" prometheus "$STOP_TIMEOUT"
    rm -f "$RUN_ENV"
    if [ "$purge" = 1 ] && [ -d "$STATE" ]; then
        log "purging $STATE (data, logs, configuration)"
        rm -rf "$STATE"
    fi
}

cmd_query() {
    [ $# -eq 1 ] || die "usage: service.sh query EXPR"
    resolve_bind
    running_pid > /dev/null || die "prometheus is not running: local/prometheus/prometheus.sh up"
    curl -sfG --max-time 10 "$(prometheus_url)/api/v1/query" --data-urlencode "query=$1" \
        | python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["data"]["result"]))'
}

main() {
    local cmd=${1:-}
    [ $# -gt 0 ] && shift
    case "$cmd" in
        up) cmd_up ;;
        status) cmd_status ;;
        down) cmd_down "$@" ;;
        query) cmd_query "$@" ;;
        *) die "usage: service.sh up | status | down [--purge] | query EXPR" ;;
    esac
}

main "$@"
