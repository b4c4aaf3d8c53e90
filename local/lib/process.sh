# shellcheck shell=bash
# Process helpers shared by the local scripts (images, cluster, object store). Sourced,
# not executed. Every process is stopped by the PID recorded when it was started, checked
# against its executable, never by name. Needs `log` and `die` (scripts/common.sh).

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
# LOGFILE, and records its PID in PIDFILE; PROC_STARTED_PID is that PID. If PIDFILE already
# names a live process of CMD's executable, says so and starts nothing. An empty PIDFILE is
# for a CMD that writes its own (a daemon's --pidfile option): nothing is checked or written.
proc_start() {
    local name=$1 pidfile=$2 logfile=$3 pid
    shift 3
    command -v "$1" > /dev/null || die "$name: executable $1 not found"
    if [ -n "$pidfile" ] && pid=$(proc_pid "$pidfile" "$(basename "$1")"); then
        log "$name already running (pid $pid)"
        PROC_STARTED_PID=$pid
        return 0
    fi
    mkdir -p "$(dirname "$logfile")"
    [ -z "$pidfile" ] || mkdir -p "$(dirname "$pidfile")"
    printf '\n==== %s start %s\n' "$(date -Is)" "$name" >> "$logfile"
    setsid "$@" >> "$logfile" 2>&1 < /dev/null &
    PROC_STARTED_PID=$!
    [ -z "$pidfile" ] || echo "$PROC_STARTED_PID" > "$pidfile"
    log "started $name (pid $PROC_STARTED_PID, log $logfile)"
}

# proc_stop NAME PIDFILE EXE-BASENAME [TIMEOUT]: stops the process PIDFILE names (see
# proc_stop_pid) and removes PIDFILE. A stale or foreign PID in PIDFILE is never signalled.
proc_stop() {
    local name=$1 pidfile=$2 exe=$3 timeout=${4:-20} pid
    if pid=$(proc_pid "$pidfile" "$exe"); then proc_stop_pid "$name" "$pid" "$timeout"; fi
    rm -f "$pidfile"
}

# proc_stop_pid NAME PID [TIMEOUT]: SIGTERM, a bounded wait, then SIGKILL; dies if PID
# outlives that. For a PID the caller has just checked (proc_pid, or its executable and
# command line), e.g. a helper process of a daemon that has no pidfile.
proc_stop_pid() {
    local name=$1 pid=$2 timeout=${3:-20} i
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
    log "stopped $name (pid $pid)"
}

# proc_wait_for DESCRIPTION TIMEOUT LOGFILE CMD...: polls CMD every PROC_POLL_INTERVAL
# seconds (default 0.2) until it succeeds, saying every 30 s that it still waits; after
# TIMEOUT seconds shows the log's tail and dies.
proc_wait_for() {
    local what=$1 timeout=$2 logfile=$3 start now last
    shift 3
    start=$(date +%s)
    last=$start
    until "$@" > /dev/null 2>&1; do
        now=$(date +%s)
        if ((now - start >= timeout)); then
            tail -n 20 "$logfile" >&2 || true
            die "$what did not become ready within ${timeout}s (log: $logfile)"
        fi
        if ((now - last >= 30)); then
            last=$now
            log "  ... still waiting for $what: $((now - start))s of at most ${timeout}s (log $logfile)"
        fi
        sleep "${PROC_POLL_INTERVAL:-0.2}"
    done
}
