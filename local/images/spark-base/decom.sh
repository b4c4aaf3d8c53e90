#!/bin/bash
# Executor decommission hook (pyspark-k8s local Spark base image).
#
# With spark.decommission.enabled=true Spark adds this script (spark.kubernetes.decommission
# .script, default /opt/decom.sh) as the executor container's preStop hook. It asks the
# executor JVM to decommission itself (SIGPWR) and waits until it has exited, so that its
# blocks can migrate before the pod is killed (bounded by the pod's grace period).
set -uo pipefail

log() { printf 'decom: %s\n' "$*" >&2; }

find_executor_pids() {
    # the JVM itself (not tini or a shell whose command line mentions it)
    local d exe cmdline
    for d in /proc/[0-9]*; do
        exe=$(readlink "$d/exe" 2> /dev/null) || continue
        case "$exe" in */java) ;; *) continue ;; esac
        cmdline=$(tr '\0' ' ' < "$d/cmdline" 2> /dev/null) || continue
        case "$cmdline" in
            *KubernetesExecutorBackend*) printf '%s\n' "${d#/proc/}" ;;
        esac
    done
}

mapfile -t pids < <(find_executor_pids)
if [ "${#pids[@]}" -eq 0 ]; then
    log "no executor JVM found; nothing to decommission"
    exit 0
fi

for pid in "${pids[@]}"; do
    log "sending SIGPWR to executor JVM $pid"
    kill -s PWR "$pid" 2> /dev/null || log "could not signal $pid (already gone?)"
done

for pid in "${pids[@]}"; do
    while [ -e "/proc/$pid" ]; do
        sleep 1
    done
    log "executor JVM $pid has exited"
done
exit 0
