#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Stopping the local cluster leaves other software's Kubernetes state alone: with an
# unrelated `KUBE-TEST` iptables chain and a process in a foreign `kubepods` cgroup (as
# kind, k3s or a kubeadm node would have), `cluster.sh up` then `cluster.sh down` must
# leave both as they were. Creates them itself and removes them afterwards.
# Brings the cluster down, up and down, so it takes the local lock (scripts/lib.sh,
# claim_local) like npm run job/e2e/bench: it exits at once while one of them holds it.
# npm test runs it after scripts/e2e.sh has exited, which gives the lock back.
# Prints "N passed, N failed" and exits non-zero on any failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../lib/common.sh
. "$HERE/lib/common.sh"
# shellcheck source=../../../scripts/lib.sh
. "$HERE/../../scripts/lib.sh"

CHAIN=KUBE-TEST
FOREIGN_CGROUP=/sys/fs/cgroup/pids/kubepods/pyspark-k8s-foreign-test
# shellcheck source=check.sh
. "$HERE/tests/check.sh"

sleeper=""

# The foreign state: a chain with a rule, jumped to from FORWARD, and a process in a cgroup.
make_foreign_state() {
    if iptables -w -S "$CHAIN" > /dev/null 2>&1; then die "a $CHAIN chain exists already: not ours to test with"; fi
    [ ! -e "$FOREIGN_CGROUP" ] || die "$FOREIGN_CGROUP exists already: not ours to test with"
    iptables -w -N "$CHAIN"
    iptables -w -A "$CHAIN" -s 192.0.2.1/32 -j RETURN
    iptables -w -A FORWARD -s 192.0.2.1/32 -j "$CHAIN"
    mkdir -p "$FOREIGN_CGROUP"
    sleep 600 &
    sleeper=$!
    echo "$sleeper" > "$FOREIGN_CGROUP/cgroup.procs"
}

remove_foreign_state() {
    if [ -n "$sleeper" ]; then
        kill -KILL "$sleeper" 2> /dev/null || true
        wait "$sleeper" 2> /dev/null || true
    fi
    rmdir "$FOREIGN_CGROUP" 2> /dev/null || true
    rmdir /sys/fs/cgroup/pids/kubepods 2> /dev/null || true
    iptables -w -D FORWARD -s 192.0.2.1/32 -j "$CHAIN" 2> /dev/null || true
    iptables -w -F "$CHAIN" 2> /dev/null || true
    iptables -w -X "$CHAIN" 2> /dev/null || true
}

sleeper_alive() { [ -n "$sleeper" ] && kill -0 "$sleeper" 2> /dev/null; }
sleeper_in_foreign_cgroup() { grep -qxF "$sleeper" "$FOREIGN_CGROUP/cgroup.procs"; }
chain_kept() { iptables -w -S "$CHAIN" | grep -qF -- "-A $CHAIN -s 192.0.2.1/32 -j RETURN"; }
jump_kept() { iptables -w -S FORWARD | grep -qF -- "-j $CHAIN"; }
ours_gone() { bash "$HERE/cluster.sh" leftovers > /dev/null; }

main() {
    need_root
    claim_local "local/cluster/tests/foreign.sh"
    trap 'remove_foreign_state; release_local' EXIT
    # Foreign state first, as on a host where another cluster ran before ours started.
    bash "$HERE/cluster.sh" down > /dev/null 2>&1
    make_foreign_state
    bash "$HERE/cluster.sh" up > /dev/null
    bash "$HERE/cluster.sh" down > /dev/null
    check "the foreign $CHAIN chain and its rule are still there" chain_kept
    check "the jump from FORWARD to $CHAIN is still there" jump_kept
    check "the process in the foreign kubepods cgroup is alive" sleeper_alive
    check "and still in that cgroup" sleeper_in_foreign_cgroup
    check "nothing of the local cluster is left (cluster.sh leftovers)" ours_gone
    summary
}

main "$@"
