# shellcheck shell=bash
# Process helpers shared by the local scripts (images, cluster, object store). Sourced,
# not executed. Every process is stopped by the PID recorded when it was started, checked
# against its executable, never by name. The caller defines `log MESSAGE` and `die MESSAGE`.

# proc_alive PID: true while PID exists and is not a zombie (PID 1 here may reap late).
proc_alive() {
    local state
    state="$(cut -d' ' -f3 "/proc/$1/stat" 2> /dev/null)" || return 1
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# proc_pid PIDFILE EXE-BASENAME: prints the recorded PID if that process is alive and runs
# EXE-BASENAME; fails otherwise.
proc_pid() {
    local pidfile=$1 exe=$2 pid real
    [ -s "$pidfile" ] || return 1
    pid=$(tr -dc '0-9' < "$pidfile")
    [ -n "$pid" ] && proc_alive "$pid" || return 1
    real=$(readlink "/proc/$pid/exe" 2> /dev/null) || return 1
    [ "$(basename "${real% (deleted)}")" = "$exe" ] || return 1
    printf '%s\n' "$pid"
}

# proc_start NAME PIDFILE LOGFILE CMD...: starts CMD in its own session, appending to
# LOGFILE, and records its PID in PIDFILE.
proc_start() {
    local name=$1 pidfile=$2 logfile=$3
    shift 3
    mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
    printf '\n==== %s start %s\n' "$(date -Is)" "$name" >> "$logfile"
    setsid "$@" >> "$logfile" 2>&1 < /dev/null &
    echo $! > "$pidfile"
    log "started $name (pid $!, log $logfile)"
}

# proc_stop NAME PIDFILE EXE-BASENAME [TIMEOUT]: SIGTERM, a bounded wait, then SIGKILL;
# removes PIDFILE. A stale or foreign PID in PIDFILE is never signalled.
proc_stop() {
    local name=$1 pidfile=$2 exe=$3 timeout=${4:-20} pid i
    pid=$(proc_pid "$pidfile" "$exe") || {
        rm -f "$pidfile"
        return 0
    }
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2> /dev/null || true
    for ((i = 0; i < timeout * 10; i++)); do
        proc_alive "$pid" || break
        sleep 0.1
    done
    if proc_alive "$pid"; then
        log "$name (pid $pid) still running after ${timeout}s: SIGKILL"
        kill -KILL "$pid" 2> /dev/null || true
        for ((i = 0; i < 50; i++)); do
            proc_alive "$pid" || break
            sleep 0.1
        done
        proc_alive "$pid" && die "could not stop $name (pid $pid)"
    fi
    rm -f "$pidfile"
    log "stopped $name (pid $pid)"
}

# proc_wait_for DESCRIPTION TIMEOUT LOGFILE CMD...: polls CMD until it succeeds; after
# TIMEOUT seconds shows the log's tail and dies.
proc_wait_for() {
    local what=$1 timeout=$2 logfile=$3 start
    shift 3
    start=$(date +%s)
    until "$@" > /dev/null 2>&1; do
        if (($(date +%s) - start >= timeout)); then
            tail -n 20 "$logfile" >&2 || true
            die "$what did not become ready within ${timeout}s (log: $logfile)"
        fi
        sleep 0.2
    done
}
