#!/usr/bin/env bash
# A `pulumi up` that was killed (a closed terminal, a stopped CI step) leaves its stack's
# lock in the local file backend, and every later command then refuses to run. This
# removes a lock of the local backend only when it names this machine and a process that
# no longer runs; a live lock stays. Usage: clear-stale-locks.sh STACK
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/common.sh
. scripts/common.sh
LOG_TAG=stale-locks

main() {
    local stack=$1 backend lock pid host
    # shellcheck source=toolchain/env.sh
    backend=$(. toolchain/env.sh > /dev/null && printf '%s' "${PULUMI_BACKEND_URL:-}")
    case "$backend" in
        file://*) backend=${backend#file://} ;;
        *) return 0 ;; # another backend keeps its own locks
    esac
    backend=${backend%%\?*}
    for lock in "$backend"/.pulumi/locks/organization/*/"$stack"/*.json; do
        [ -f "$lock" ] || continue
        read -r pid host < <(node -e 'const l = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
            console.log(Number(l.pid) || 0, l.hostname ?? "")' "$lock")
        if [ "$host" != "$(hostname)" ] || [ "$pid" -eq 0 ]; then continue; fi
        kill -0 "$pid" 2> /dev/null && continue
        log "removing the lock of stack $stack left by process $pid, which no longer runs ($lock)"
        rm -f "$lock"
    done
}

main "$@"
