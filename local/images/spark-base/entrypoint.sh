#!/bin/bash
# Container entrypoint of the local Spark base image (pyspark-k8s project).
#
# Spark on Kubernetes starts this image in three ways:
#   driver   --properties-file <file> --class <main> <resource|spark-internal> [app args]
#            -> spark-submit in client mode inside the driver pod, bound to the pod IP
#               (SPARK_DRIVER_BIND_ADDRESS, set by Spark from status.podIP).
#   executor -> the executor JVM (KubernetesExecutorBackend), configured only through
#               environment variables set by the driver (SPARK_DRIVER_URL, SPARK_EXECUTOR_*,
#               SPARK_APPLICATION_ID, SPARK_RESOURCE_PROFILE_ID, SPARK_JAVA_OPT_<n>, ...).
#   anything else -> executed as given (pass-through), e.g. `bash`, `python3 app.py`.
#
# Debugging switches (environment):
#   PSK_ENTRYPOINT_DEBUG=1    print the command about to be executed (one argument per line)
#   PSK_ENTRYPOINT_DRY_RUN=1  print it and exit 0 instead of executing it
set -euo pipefail

log() { printf 'entrypoint: %s\n' "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 64
}

# --- 1. a writable HOME and a user name for the running uid ------------------------------
if [ -z "${HOME:-}" ] || [ "$HOME" = "/" ] || [ ! -w "$HOME" ]; then
    # e.g. an arbitrary uid: give tools (ivy, python) somewhere writable
    if [ -w /opt/spark/work-dir ]; then export HOME=/opt/spark/work-dir; else export HOME=/tmp; fi
fi

# Kubernetes may run the image with an arbitrary uid (runAsUser). The JVM (Hadoop's
# UserGroupInformation) fails without a passwd entry for it, so provide one.
ensure_passwd_entry() {
    local uid gid home name
    uid=$(id -u)
    gid=$(id -g)
    if getent passwd "$uid" > /dev/null 2>&1; then
        return 0
    fi
    name=${SPARK_USER_NAME:-spark-$uid}
    home=$HOME
    if [ -w /etc/passwd ]; then
        printf '%s:x:%s:%s:%s:%s:/bin/false\n' "$name" "$uid" "$gid" "anonymous uid" "$home" >> /etc/passwd
        log "added passwd entry for uid $uid ($name)"
        return 0
    fi
    # /etc/passwd is read-only: use nss_wrapper (libnss-wrapper) with private copies.
    local lib
    for lib in /usr/lib/*-linux-gnu/libnss_wrapper.so /usr/lib/libnss_wrapper.so; do
        [ -e "$lib" ] || continue
        local dir
        if ! dir=$(mktemp -d "${TMPDIR:-/tmp}/nss-wrapper.XXXXXX" 2> /dev/null) \
            || ! cp /etc/passwd "$dir/passwd" || ! cp /etc/group "$dir/group"; then
            log "WARNING: uid $uid has no passwd entry and no writable temp dir for nss_wrapper"
            return 0
        fi
        printf '%s:x:%s:%s:%s:%s:/bin/false\n' "$name" "$uid" "$gid" "anonymous uid" "$home" >> "$dir/passwd"
        if ! getent group "$gid" > /dev/null 2>&1; then
            printf '%s:x:%s:\n' "$name" "$gid" >> "$dir/group"
        fi
        export NSS_WRAPPER_PASSWD="$dir/passwd" NSS_WRAPPER_GROUP="$dir/group"
        export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
        log "uid $uid has no passwd entry: using nss_wrapper ($name, home $home)"
        return 0
    done
    log "WARNING: uid $uid has no passwd entry and none could be provided (Hadoop UGI may fail)"
}
ensure_passwd_entry

# --- 2. classpath and JVM options ---------------------------------------------------------
: "${SPARK_HOME:?SPARK_HOME is not set in the image}"
JAVA_BIN=${JAVA_HOME:+$JAVA_HOME/bin/}java

# Hadoop jars from a separate Hadoop installation, if any (only when not set already).
if [ -n "${HADOOP_HOME:-}" ] && [ -z "${SPARK_DIST_CLASSPATH:-}" ] && [ -x "$HADOOP_HOME/bin/hadoop" ]; then
    SPARK_DIST_CLASSPATH=$("$HADOOP_HOME/bin/hadoop" classpath)
    export SPARK_DIST_CLASSPATH
fi

# Order: conf dir, Hadoop conf dir, user classpath (spark.executor.extraClassPath arrives
# as SPARK_CLASSPATH), Spark's jars, extra classpath, Hadoop distribution classpath.
build_classpath() {
    local cp=""
    local conf_dir=${SPARK_CONF_DIR:-$SPARK_HOME/conf}
    cp=$conf_dir
    if [ -n "${HADOOP_CONF_DIR:-}" ]; then cp="$cp:$HADOOP_CONF_DIR"; fi
    if [ -n "${SPARK_CLASSPATH:-}" ]; then cp="$cp:$SPARK_CLASSPATH"; fi
    cp="$cp:$SPARK_HOME/jars/*"
    if [ -n "${SPARK_EXTRA_CLASSPATH:-}" ]; then cp="$cp:$SPARK_EXTRA_CLASSPATH"; fi
    if [ -n "${SPARK_DIST_CLASSPATH:-}" ]; then cp="$cp:$SPARK_DIST_CLASSPATH"; fi
    printf '%s' "$cp"
}

# SPARK_JAVA_OPT_0, SPARK_JAVA_OPT_1, ... in numeric order. Values are read by name, so
# options containing spaces or '=' survive intact.
EXECUTOR_JAVA_OPTS=()
collect_java_opts() {
    local name
    while IFS= read -r name; do
        [ -n "$name" ] || continue
        EXECUTOR_JAVA_OPTS+=("${!name}")
    done < <(compgen -e | grep -E '^SPARK_JAVA_OPT_[0-9]+$' | sort -t_ -k4,4n || true)
}

# PYSPARK_PYTHON / PYSPARK_DRIVER_PYTHON come from the pod spec (spark.pyspark.python,
# spark.pyspark.driver.python); make sure children see them if they are set at all.
if [ -n "${PYSPARK_PYTHON+x}" ]; then export PYSPARK_PYTHON; fi
if [ -n "${PYSPARK_DRIVER_PYTHON+x}" ]; then export PYSPARK_DRIVER_PYTHON; fi

require_env() {
    local v missing=()
    for v in "$@"; do
        if [ -z "${!v:-}" ]; then missing+=("$v"); fi
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        die "executor mode needs these environment variables (set by the Spark driver): ${missing[*]}"
    fi
}

# --- 3. choose the command ------------------------------------------------------------------
CMD=()
mode=${1:-}
case "$mode" in
    driver)
        shift
        # The driver pod runs spark-submit in client mode: cluster mode here would make Spark
        # submit yet another driver pod.
        CMD=("$SPARK_HOME/bin/spark-submit")
        if [ -n "${SPARK_DRIVER_BIND_ADDRESS:-}" ]; then
            CMD+=(--conf "spark.driver.bindAddress=$SPARK_DRIVER_BIND_ADDRESS")
        fi
        CMD+=(--deploy-mode client "$@")
        ;;
    executor)
        shift
        require_env SPARK_DRIVER_URL SPARK_EXECUTOR_ID SPARK_EXECUTOR_CORES \
            SPARK_EXECUTOR_MEMORY SPARK_APPLICATION_ID SPARK_EXECUTOR_POD_IP
        SPARK_CLASSPATH=$(build_classpath)
        collect_java_opts
        CMD=("$JAVA_BIN")
        if [ "${#EXECUTOR_JAVA_OPTS[@]}" -gt 0 ]; then CMD+=("${EXECUTOR_JAVA_OPTS[@]}"); fi
        CMD+=(
            "-Xms$SPARK_EXECUTOR_MEMORY"
            "-Xmx$SPARK_EXECUTOR_MEMORY"
            -cp "$SPARK_CLASSPATH"
            org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend
            --driver-url "$SPARK_DRIVER_URL"
            --executor-id "$SPARK_EXECUTOR_ID"
            --cores "$SPARK_EXECUTOR_CORES"
            --app-id "$SPARK_APPLICATION_ID"
            --hostname "$SPARK_EXECUTOR_POD_IP"
            --resourceProfileId "${SPARK_RESOURCE_PROFILE_ID:-0}"
        )
        if [ -n "${SPARK_EXECUTOR_POD_NAME:-}" ]; then
            CMD+=(--podName "$SPARK_EXECUTOR_POD_NAME")
        fi
        # Extra arguments after `executor` are passed on to the backend.
        CMD+=("$@")
        ;;
    "")
        log "usage: driver <spark-submit args> | executor | <command> [args...]"
        exit 64
        ;;
    *)
        # pass-through: run whatever was asked for, in the prepared environment
        CMD=("$@")
        ;;
esac

if [ "${PSK_ENTRYPOINT_DEBUG:-0}" = "1" ] || [ "${PSK_ENTRYPOINT_DRY_RUN:-0}" = "1" ]; then
    log "mode: ${mode} ; command:"
    printf '  %q\n' "${CMD[@]}" >&2
fi
if [ "${PSK_ENTRYPOINT_DRY_RUN:-0}" = "1" ]; then
    exit 0
fi

# tini reaps zombies (python workers, JVM children) and forwards signals; -s makes it a
# subreaper when it is not PID 1.
if [ -x /usr/bin/tini ]; then
    exec /usr/bin/tini -s -- "${CMD[@]}"
fi
exec "${CMD[@]}"
