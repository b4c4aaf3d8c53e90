# shellcheck shell=bash
# Progress for the long steps of the local scripts (builds, downloads, image builds).
# Sourced, not executed; needs `log` and `die` (scripts/common.sh).
#
# progress_run WHAT EXPECTED LOGFILE CMD...
#   Runs CMD with its output appended to LOGFILE, says what it does and how long it
#   should take (EXPECTED: seconds, a rough figure for a cold run on 2 cores), then a
#   heartbeat line every PROGRESS_HEARTBEAT seconds (default and maximum 30) with the time
#   elapsed. If the function named by PROGRESS_DETAIL is set, its output is added to each
#   heartbeat (e.g. "412 packages compiled"). On success one line with the time taken; on
#   failure the log's last PROGRESS_TAIL lines (default 25), then `die`.
#   PROGRESS_NO_DIE=1 returns CMD's status instead of dying.

# duration SECONDS: "45s", "3m05s".
duration() {
    local s=$1
    if ((s < 60)); then printf '%ds' "$s"; else printf '%dm%02ds' $((s / 60)) $((s % 60)); fi
}

progress_run() {
    local what=$1 expected=$2 logfile=$3 pid t0 now last status=0 beat detail
    shift 3
    beat=${PROGRESS_HEARTBEAT:-30}
    ((beat > 0 && beat <= 30)) || beat=30
    mkdir -p "$(dirname "$logfile")"
    printf '\n==== %s %s\n' "$(date -Is)" "$what" >> "$logfile"
    log "$what (expect ~$(duration "$expected") cold; log $logfile)"
    t0=$(date +%s)
    last=$t0
    "$@" >> "$logfile" 2>&1 < /dev/null &
    pid=$!
    while kill -0 "$pid" 2> /dev/null; do
        sleep 1
        now=$(date +%s)
        if ((now - last >= beat)) && kill -0 "$pid" 2> /dev/null; then
            last=$now
            detail=""
            if [ -n "${PROGRESS_DETAIL:-}" ]; then detail="; $("$PROGRESS_DETAIL" 2> /dev/null || true)"; fi
            if ((now - t0 > expected)); then
                log "  ... $what: $(duration $((now - t0))) elapsed, longer than the ~$(duration "$expected") expected$detail"
            else
                log "  ... $what: $(duration $((now - t0))) of ~$(duration "$expected")$detail"
            fi
        fi
    done
    wait "$pid" || status=$?
    now=$(date +%s)
    if [ "$status" = 0 ]; then
        log "$what: done in $(duration $((now - t0)))"
        return 0
    fi
    echo "---- last lines of $logfile:" >&2
    tail -n "${PROGRESS_TAIL:-25}" "$logfile" >&2
    echo "----" >&2
    if [ "${PROGRESS_NO_DIE:-0}" = 1 ]; then
        log "$what failed after $(duration $((now - t0))) (exit $status; log $logfile)"
        return "$status"
    fi
    die "$what failed after $(duration $((now - t0))) (exit $status; log $logfile)"
}
