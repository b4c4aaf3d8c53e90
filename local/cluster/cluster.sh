#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Local single-node Kubernetes cluster built from upstream sources (Go module proxy)
# and Debian packages: etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# containerd (own config/root/socket), kubelet, kube-proxy (iptables), CoreDNS.
#
# Usage: cluster.sh up | status | down [--purge] | leftovers | deps | build | kubectl ARGS...
#   PSK_CACHE (default ~/.cache/pyspark-k8s)  binaries under $PSK_CACHE/cluster
#   PSK_STATE (default /var/lib/pyspark-k8s)   certs, config, data, logs, pidfiles under $PSK_STATE/cluster
set -euo pipefail

# shellcheck source=lib/common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"
# shellcheck source=lib/build.sh
. "$CLUSTER_DIR/lib/build.sh"
# shellcheck source=lib/images.sh
. "$CLUSTER_DIR/lib/images.sh"
# shellcheck source=lib/pki.sh
. "$CLUSTER_DIR/lib/pki.sh"
# shellcheck source=lib/config.sh
. "$CLUSTER_DIR/lib/config.sh"
# shellcheck source=lib/deps.sh
. "$CLUSTER_DIR/lib/deps.sh"

COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy coredns)

# ---------------------------------------------------------------- processes

# Components run through local/lib/process.sh: component NAME is the executable NAME
# ($BIN_DIR/NAME, containerd Debian's), pidfile $RUN_DIR/NAME.pid, log $LOG_DIR/NAME.log.
# shellcheck disable=SC2034 # read by proc_wait_for (local/lib/process.sh)
PROC_POLL_INTERVAL=1 # health checks run curl or kubectl: once a second is enough

# component_pid NAME: prints the PID of a running component; fails if it is not running.
component_pid() { proc_pid "$RUN_DIR/$1.pid" "$1"; }

# start_component NAME ARGS...: starts a component unless it is running.
start_component() {
    local name=$1 exe
    shift
    case "$name" in
        containerd) exe=$(command -v containerd) || die "containerd not found" ;;
        *) exe=$BIN_DIR/$name ;;
    esac
    proc_start "$name" "$RUN_DIR/$name.pid" "$LOG_DIR/$name.log" "$exe" "$@"
}

# stop_component NAME [TIMEOUT]: stops a component. One that outlives SIGKILL (stuck in the
# kernel) is reported (proc_stop dies, in a subshell) and `down` goes on with the rest.
stop_component() { (proc_stop "$1" "$RUN_DIR/$1.pid" "$1" "${2:-20}") || true; }

_kubectl() { "$BIN_DIR/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

_curl_api() { curl -sf --max-time 5 --cacert "$PKI_DIR/ca.crt" --cert "$PKI_DIR/admin.crt" --key "$PKI_DIR/admin.key" "https://127.0.0.1:6443$1"; }

# ---------------------------------------------------------------- health checks

_health() { # NAME -> 0 if healthy
    case "$1" in
        etcd) curl -sf --max-time 5 http://127.0.0.1:2379/health | grep -q '"health":"true"' ;;
        kube-apiserver) _curl_api /readyz | grep -qx ok ;;
        kube-controller-manager) curl -skf --max-time 5 https://127.0.0.1:10257/healthz | grep -qx ok ;;
        kube-scheduler) curl -skf --max-time 5 https://127.0.0.1:10259/healthz | grep -qx ok ;;
        containerd) _ctr version > /dev/null ;;
        kubelet) curl -sf --max-time 5 http://127.0.0.1:10248/healthz | grep -qx ok ;;
        kube-proxy) curl -sf --max-time 5 http://127.0.0.1:10256/healthz > /dev/null ;;
        coredns) curl -sf --max-time 5 http://127.0.0.1:18181/ready > /dev/null \
            && busybox nslookup "kubernetes.default.svc.$CLUSTER_DOMAIN" "$BRIDGE_IP" 2> /dev/null | grep -q "$KUBERNETES_SVC_IP" ;;
    esac
}

_node_ready() {
    [ "$(_kubectl get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2> /dev/null)" = True ]
}

# ---------------------------------------------------------------- host network

# Kernel tunables the kubelet (protectKernelDefaults: false) and kube-proxy may change:
# saved once before `up` touches them and restored by `down`.
SAVED_SYSCTLS=(vm.overcommit_memory kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.conf.all.route_localnet)

_save_sysctls() {
    local k
    [ -s "$STATE_DIR/sysctl.saved" ] && return 0
    for k in "${SAVED_SYSCTLS[@]}"; do
        echo "$k=$(sysctl -n "$k" 2> /dev/null)"
    done > "$STATE_DIR/sysctl.saved.tmp"
    mv "$STATE_DIR/sysctl.saved.tmp" "$STATE_DIR/sysctl.saved"
}

_restore_sysctls() {
    local kv
    [ -s "$STATE_DIR/sysctl.saved" ] || return 0
    while read -r kv; do
        [ -z "${kv#*=}" ] || sysctl -qw "$kv" 2> /dev/null || log "warning: cannot restore sysctl $kv"
    done < "$STATE_DIR/sysctl.saved"
    rm -f "$STATE_DIR/sysctl.saved"
}

_host_network_up() {
    # Fresh start (no node agent of ours running): what exists now is someone else's.
    if ! component_pid kube-proxy > /dev/null && ! component_pid kubelet > /dev/null; then
        _record_foreign_chains
    fi
    _save_sysctls
    sysctl -qw net.ipv4.ip_forward=1 || die "cannot set net.ipv4.ip_forward=1"
    if [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]; then
        sysctl -qw net.bridge.bridge-nf-call-iptables=1
    else
        die "br_netfilter is missing (/proc/sys/net/bridge/bridge-nf-call-iptables): kube-proxy cannot see bridged pod traffic"
    fi
    if ! ip link show "$BRIDGE_NAME" > /dev/null 2>&1; then
        ip link add "$BRIDGE_NAME" type bridge || die "cannot create bridge $BRIDGE_NAME"
    fi
    ip addr replace "$BRIDGE_IP/${POD_CIDR#*/}" dev "$BRIDGE_NAME"
    ip link set "$BRIDGE_NAME" up
    # Service IPs not handled by kube-proxy stay on the bridge (never routed off this machine).
    ip route replace "$SERVICE_CIDR" dev "$BRIDGE_NAME"
    # Pods talk to each other and to this host only: no forwarding off the pod network.
    if ! iptables -w -S PSK-FORWARD > /dev/null 2>&1; then
        iptables -w -N PSK-FORWARD
        iptables -w -A PSK-FORWARD -s "$POD_CIDR" -d "$POD_CIDR" -j ACCEPT
        iptables -w -A PSK-FORWARD -s "$POD_CIDR" -j DROP
        iptables -w -A PSK-FORWARD -d "$POD_CIDR" -j DROP
    fi
    iptables -w -C FORWARD -j PSK-FORWARD 2> /dev/null || iptables -w -I FORWARD 1 -j PSK-FORWARD
    # The API server listens on 0.0.0.0:6443 (one bind address serves 127.0.0.1 and the bridge):
    # accept it only from loopback and the pod bridge.
    if ! iptables -w -S PSK-INPUT > /dev/null 2>&1; then
        iptables -w -N PSK-INPUT
        iptables -w -A PSK-INPUT -i lo -j RETURN
        iptables -w -A PSK-INPUT -i "$BRIDGE_NAME" -j RETURN
        iptables -w -A PSK-INPUT -p tcp --dport 6443 -j DROP
    fi
    iptables -w -C INPUT -j PSK-INPUT 2> /dev/null || iptables -w -I INPUT 1 -j PSK-INPUT
}

# Deletes every KUBE-*, CNI-* and PSK-* chain (and the jumps to them) in all tables.
# The KUBE-*/CNI-* chains (kube-proxy, kubelet, CNI plugins) that existed before this
# cluster started belong to something else on this host: recorded at up, spared at down.
FOREIGN_CHAINS="$STATE_DIR/foreign-iptables-chains"

# _chains IPT TABLE: the KUBE-/CNI-/PSK- chains of a table, one per line.
_chains() { "$1-save" -t "$2" 2> /dev/null | sed -n 's/^:\(\(KUBE\|CNI\|PSK\)-[^ ]*\) .*/\1/p'; }

# Records the chains of other software, before our components create theirs.
_record_foreign_chains() {
    local ipt t c
    mkdir -p "$STATE_DIR"
    for ipt in iptables ip6tables; do
        command -v "$ipt-save" > /dev/null || continue
        for t in raw mangle nat filter; do
            while read -r c; do
                case "$c" in "" | PSK-*) ;; *) echo "$ipt $t $c" ;; esac
            done < <(_chains "$ipt" "$t")
        done
    done > "$FOREIGN_CHAINS"
}

# _our_chains IPT TABLE: the chains of a table this cluster created (not recorded as foreign).
_our_chains() {
    local c
    _chains "$1" "$2" | while read -r c; do
        [ -n "$c" ] || continue
        grep -qxF "$1 $2 $c" "$FOREIGN_CHAINS" 2> /dev/null || echo "$c"
    done
}

_iptables_clean() {
    local ipt t save line chain chains pattern
    for ipt in iptables ip6tables; do
        command -v "$ipt-save" > /dev/null || continue
        for t in raw mangle nat filter; do
            save="$("$ipt-save" -t "$t" 2> /dev/null)" || continue
            chains="$(_our_chains "$ipt" "$t")"
            [ -n "$chains" ] || continue
            # jumps into our chains from chains that are not ours (built-in or foreign): each
            # rule is deleted by handing its saved text, as -D, back to iptables-restore
            # (--noflush), which parses the quoting itself: no shell evaluation of it.
            pattern="$(paste -sd'|' <<< "${chains//./\\.}")"
            while read -r line; do
                [ -n "$line" ] || continue
                grep -qE "^-A ($pattern) " <<< "$line" && continue
                printf '*%s\n-D %s\nCOMMIT\n' "$t" "${line#-A }" | "$ipt-restore" -w --noflush 2> /dev/null \
                    || log "warning: could not delete the $ipt $t rule '$line'"
            done < <(grep -E "^-A [^ ]+ .*-j ($pattern)( |\$)" <<< "$save" || true)
            while read -r chain; do
                [ -z "$chain" ] || "$ipt" -w -t "$t" -F "$chain" 2> /dev/null || true
            done <<< "$chains"
            while read -r chain; do
                [ -z "$chain" ] || "$ipt" -w -t "$t" -X "$chain" 2> /dev/null || true
            done <<< "$chains"
        done
    done
}

_host_network_down() {
    local l
    for l in $(ip -o link show master "$BRIDGE_NAME" 2> /dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
        ip link del "$l" 2> /dev/null || true
    done
    ip link del "$BRIDGE_NAME" 2> /dev/null || true
    _iptables_clean
    if command -v conntrack > /dev/null; then
        conntrack -D -s "$POD_CIDR" > /dev/null 2>&1 || true
        conntrack -D -d "$POD_CIDR" > /dev/null 2>&1 || true
        conntrack -D -d "$SERVICE_CIDR" > /dev/null 2>&1 || true
    fi
}

# ---------------------------------------------------------------- leftovers

# Prints everything this cluster may leave on the host; returns 1 if anything is left.
leftovers() {
    local n=0 out
    out="$(
        for c in "${COMPONENTS[@]}"; do
            if p="$(component_pid "$c")"; then echo "process $c pid $p"; fi
        done
        for p in /proc/[0-9]*; do
            grep -qaF "$STATE_DIR/" "$p/cmdline" 2> /dev/null && [ "${p#/proc/}" != "$$" ] && [ "${p#/proc/}" != "$BASHPID" ] \
                && echo "process ${p#/proc/}: $(tr '\0' ' ' < "$p/cmdline" | cut -c1-150)"
        done
        awk -v s="$STATE_DIR/" '{ if (index($5, s) == 1 || $5 ~ /^\/run\/netns\/cni-/) print "mount " $5 }' /proc/self/mountinfo
        for ns in /run/netns/cni-*; do [ -e "$ns" ] && echo "netns file $ns"; done
        ip link show "$BRIDGE_NAME" > /dev/null 2>&1 && echo "link $BRIDGE_NAME"
        for ipt in iptables ip6tables; do
            command -v "$ipt-save" > /dev/null || continue
            for t in raw mangle nat filter; do
                _our_chains "$ipt" "$t" | sed "s/^/$ipt $t: chain /"
            done
        done
        for d in /sys/fs/cgroup/*/"$CGROUP_ROOT"; do [ -d "$d" ] && echo "cgroup $d"; done
        true
    )"
    if [ -n "$out" ]; then
        n=$(wc -l <<< "$out")
        printf 'left on the host: %s\n' "$(awk '{ c[$1]++ } END { for (k in c) printf "%s %d, ", k, c[k] }' <<< "$out" | sed 's/, $//')"
        printf '%s\n' "$out" | head -60
        [ "$n" -le 60 ] || echo "... ($n lines)"
        return 1
    fi
    echo "nothing left (no process, mount, netns, bridge, iptables chain or cgroup of this cluster)"
}

# ---------------------------------------------------------------- up

_check_host() {
    local t
    for t in containerd containerd-shim-runc-v2 runc iptables iptables-save iptables-restore conntrack openssl curl busybox ip ctr; do
        command -v "$t" > /dev/null || die "$t not found: apt-get install -y containerd runc containernetworking-plugins iptables conntrack openssl curl busybox-static iproute2"
    done
    for t in bridge host-local loopback portmap; do
        [ -x "/usr/lib/cni/$t" ] || die "CNI plugin /usr/lib/cni/$t missing: apt-get install -y containernetworking-plugins"
    done
    if [ "$(dpkg-query -W -f='${Version}' containerd 2> /dev/null)" != "$DEB_CONTAINERD_VERSION" ]; then
        log "warning: containerd $(dpkg-query -W -f='${Version}' containerd 2> /dev/null) installed, pinned $DEB_CONTAINERD_VERSION"
    fi
}

cmd_up() {
    need_root
    local t0 a
    t0=$(date +%s)
    ensure_deps
    _check_host
    build_all
    build_images
    mkdir -p "$STATE_DIR" "$RUN_DIR" "$LOG_DIR" "$STATE_DIR/etcd" "$STATE_DIR/kubelet" "$STATE_DIR/pod-logs"
    echo "$BIN_DIR" > "$STATE_DIR/bin-dir"
    gen_pki
    gen_config
    _host_network_up

    start_component etcd --name psk --data-dir "$STATE_DIR/etcd" \
        --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
        --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
        --initial-cluster psk=http://127.0.0.1:2380 --initial-cluster-state new --log-level warn
    proc_wait_for "etcd health" 60 "$LOG_DIR/etcd.log" _health etcd

    # shellcheck disable=SC2054  # (commas belong to flag values)
    a=(--advertise-address="$BRIDGE_IP" --bind-address=0.0.0.0 --secure-port=6443
        --etcd-servers=http://127.0.0.1:2379
        --service-cluster-ip-range="$SERVICE_CIDR"
        --client-ca-file="$PKI_DIR/ca.crt"
        --tls-cert-file="$PKI_DIR/apiserver.crt" --tls-private-key-file="$PKI_DIR/apiserver.key"
        --kubelet-client-certificate="$PKI_DIR/apiserver-kubelet-client.crt"
        --kubelet-client-key="$PKI_DIR/apiserver-kubelet-client.key"
        --kubelet-certificate-authority="$PKI_DIR/ca.crt"
        --kubelet-preferred-address-types=InternalIP
        --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN"
        --service-account-key-file="$PKI_DIR/sa.pub"
        --service-account-signing-key-file="$PKI_DIR/sa.key"
        --authorization-mode=Node,RBAC
        --enable-admission-plugins=NodeRestriction
        --allow-privileged=true
        --profiling=false
        --cert-dir="$STATE_DIR/apiserver-certs")
    start_component kube-apiserver "${a[@]}"
    proc_wait_for "kube-apiserver /readyz" 120 "$LOG_DIR/kube-apiserver.log" _health kube-apiserver
    _kubectl apply -f "$CFG_DIR/bootstrap-rbac.yaml" > /dev/null || die "applying $CFG_DIR/bootstrap-rbac.yaml failed"

    start_component kube-controller-manager --kubeconfig="$CFG_DIR/controller-manager.kubeconfig" \
        --authentication-kubeconfig="$CFG_DIR/controller-manager.kubeconfig" \
        --authorization-kubeconfig="$CFG_DIR/controller-manager.kubeconfig" \
        --bind-address=127.0.0.1 --secure-port=10257 \
        --tls-cert-file="$PKI_DIR/controller-manager-serving.crt" --tls-private-key-file="$PKI_DIR/controller-manager-serving.key" \
        --cert-dir="$STATE_DIR/controller-manager-certs" \
        --root-ca-file="$PKI_DIR/ca.crt" --service-account-private-key-file="$PKI_DIR/sa.key" \
        --cluster-signing-cert-file="$PKI_DIR/ca.crt" --cluster-signing-key-file="$PKI_DIR/ca.key" \
        --use-service-account-credentials=true --leader-elect=false --profiling=false
    start_component kube-scheduler --kubeconfig="$CFG_DIR/scheduler.kubeconfig" \
        --authentication-kubeconfig="$CFG_DIR/scheduler.kubeconfig" \
        --authorization-kubeconfig="$CFG_DIR/scheduler.kubeconfig" \
        --bind-address=127.0.0.1 --secure-port=10259 \
        --tls-cert-file="$PKI_DIR/scheduler-serving.crt" --tls-private-key-file="$PKI_DIR/scheduler-serving.key" \
        --cert-dir="$STATE_DIR/scheduler-certs" \
        --leader-elect=false --profiling=false

    start_component containerd --config "$CFG_DIR/containerd.toml"
    proc_wait_for "containerd socket $CTRD_SOCK" 60 "$LOG_DIR/containerd.log" _health containerd
    import_images

    _cgroups_create
    start_component kubelet --config="$CFG_DIR/kubelet.yaml" --kubeconfig="$CFG_DIR/kubelet.kubeconfig" \
        --root-dir="$STATE_DIR/kubelet" --hostname-override="$NODE_NAME" --node-ip="$BRIDGE_IP"
    start_component kube-proxy --config="$CFG_DIR/kube-proxy.yaml"
    start_component coredns -conf "$CFG_DIR/Corefile"

    proc_wait_for "kube-controller-manager /healthz" 90 "$LOG_DIR/kube-controller-manager.log" \
        _health kube-controller-manager
    proc_wait_for "kube-scheduler /healthz" 90 "$LOG_DIR/kube-scheduler.log" _health kube-scheduler
    proc_wait_for "kubelet /healthz" 90 "$LOG_DIR/kubelet.log" _health kubelet
    proc_wait_for "kube-proxy /healthz" 90 "$LOG_DIR/kube-proxy.log" _health kube-proxy
    proc_wait_for "node $NODE_NAME Ready" 180 "$LOG_DIR/kubelet.log" _node_ready
    proc_wait_for "service account default/default" 90 "$LOG_DIR/kube-controller-manager.log" \
        _kubectl -n default get serviceaccount default
    proc_wait_for "CoreDNS answering kubernetes.default.svc.$CLUSTER_DOMAIN on $BRIDGE_IP" 90 "$LOG_DIR/coredns.log" \
        _health coredns
    log "cluster up in $(($(date +%s) - t0))s; export KUBECONFIG=$KUBECONFIG_ADMIN (context psk-local)"
}

# ---------------------------------------------------------------- status

# Stops kube-apiserver for SECONDS, then starts it again: the API blink of the
# end-to-end scenario (pods keep running; clients see connection refused).
cmd_pause_api() {
    local seconds="${1:?usage: cluster.sh pause-api SECONDS}"
    component_pid kube-apiserver > /dev/null || die "kube-apiserver is not running"
    stop_component kube-apiserver
    log "kube-apiserver stopped for ${seconds}s"
    sleep "$seconds"
    cmd_up
}

cmd_status() {
    local c pid ok=0 h
    if [ -s "$STATE_DIR/bin-dir" ]; then BIN_DIR="$(cat "$STATE_DIR/bin-dir")"; else BIN_DIR=/nonexistent; fi
    for c in "${COMPONENTS[@]}"; do
        if ! pid="$(component_pid "$c")"; then
            printf '%-24s %-8s %s\n' "$c" "-" "not running"
            ok=1
            continue
        fi
        if _health "$c"; then h=healthy; else
            h=UNHEALTHY
            ok=1
        fi
        printf '%-24s %-8s %s\n' "$c" "$pid" "$h"
    done
    if [ -x "$BIN_DIR/kubectl" ] && _node_ready; then
        printf '%-24s %-8s %s\n' "node/$NODE_NAME" "" "Ready"
    else
        printf '%-24s %-8s %s\n' "node/$NODE_NAME" "" "NOT Ready"
        ok=1
    fi
    echo "kubeconfig: $KUBECONFIG_ADMIN (context psk-local)"
    return "$ok"
}

# ---------------------------------------------------------------- down

# Kills every remaining sandbox/container task of our containerd (namespace k8s.io).
# Their network namespaces live under the state dir (netns_mounts_under_state_dir) and
# are unmounted by _unmount_all, which also removes their veths.
_ctr_force_cleanup() {
    local ids id i
    ids="$(_ctr -n k8s.io tasks ls -q 2> /dev/null || true)"
    [ -n "$ids" ] || return 0
    log "killing $(wc -w <<< "$ids") leftover container task(s)"
    for id in $ids; do _ctr -n k8s.io tasks kill -a -s SIGKILL "$id" > /dev/null 2>&1 || true; done
    for id in $ids; do
        for ((i = 0; i < 10; i++)); do
            _ctr -n k8s.io tasks delete -f "$id" > /dev/null 2>&1 && break
            sleep 0.3
        done
    done
}

_unmount_all() {
    local m
    # deepest mount points first
    while read -r m; do
        umount "$m" 2> /dev/null || umount -l "$m" 2> /dev/null || log "warning: cannot unmount $m"
    done < <(awk -v s="$STATE_DIR/" 'index($5, s) == 1 { print length($5) " " $5 }' /proc/self/mountinfo | sort -rn | cut -d' ' -f2- | sed 's/\\040/ /g')
}

# The kubelet's cgroup parent (its cgroupRoot): it must exist in every hierarchy.
_cgroups_create() {
    local d
    for d in /sys/fs/cgroup/*/; do
        [ -e "$d/cgroup.procs" ] && mkdir -p "$d$CGROUP_ROOT"
    done
}

_cgroups_clean() {
    local d p
    for d in /sys/fs/cgroup/*/"$CGROUP_ROOT"; do
        [ -d "$d" ] || continue
        # any process still under our cgroup parent belongs to a pod of this cluster
        while read -r p; do kill -KILL "$p" 2> /dev/null || true; done < <(find "$d" -name cgroup.procs -exec cat {} + 2> /dev/null)
    done
    sleep 0.3
    for d in /sys/fs/cgroup/*/"$CGROUP_ROOT"; do
        [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2> /dev/null
    done
    return 0
}

cmd_down() {
    need_root
    local t0 purge=0 p c
    [ "${1:-}" != --purge ] || purge=1
    t0=$(date +%s)
    if [ -s "$STATE_DIR/bin-dir" ]; then BIN_DIR="$(cat "$STATE_DIR/bin-dir")"; else BIN_DIR=/nonexistent; fi
    [ -d "$STATE_DIR" ] || {
        log "nothing to stop ($STATE_DIR missing)"
        return 0
    }
    log "before down:"
    leftovers >&2 || true

    # 1. no new pods, then let the kubelet stop every pod properly (CNI DEL, unmounts).
    stop_component kube-controller-manager
    stop_component kube-scheduler
    if component_pid kube-apiserver > /dev/null && component_pid kubelet > /dev/null && [ -x "$BIN_DIR/kubectl" ]; then
        _kubectl delete pods --all --all-namespaces --grace-period=2 --wait=true --timeout=90s > /dev/null 2>&1 \
            || log "warning: not every pod terminated through the kubelet; forcing"
    fi
    # 2. node agents and DNS
    stop_component kubelet
    stop_component kube-proxy
    stop_component coredns
    # 3. whatever the kubelet left: kill through our containerd, then stop it
    if component_pid containerd > /dev/null; then
        _ctr_force_cleanup
    fi
    stop_component containerd 30
    # shims of our containerd (identified by our socket path) that outlived their tasks
    for p in /proc/[0-9]*; do
        grep -qaF -- "$CTRD_SOCK" "$p/cmdline" 2> /dev/null && {
            log "killing leftover shim pid ${p#/proc/}"
            kill -KILL "${p#/proc/}" 2> /dev/null || true
        }
    done
    # 4. control plane
    stop_component kube-apiserver
    stop_component etcd
    for c in "${COMPONENTS[@]}"; do rm -f "$RUN_DIR/$c.pid"; done
    # 5. host state: cgroups, mounts, netns, network, iptables
    _cgroups_clean
    _unmount_all
    _host_network_down
    _restore_sysctls
    rm -rf "$STATE_DIR/cni/ipam"
    find /var/log/containers -maxdepth 1 -type l -lname "$STATE_DIR/*" -delete 2> /dev/null || true
    if [ "$purge" = 1 ]; then
        rm -rf "$STATE_DIR"
        log "purged $STATE_DIR"
    fi
    log "down in $(($(date +%s) - t0))s; after down:"
    leftovers >&2
}

# ---------------------------------------------------------------- main

case "${1:-}" in
    up) cmd_up ;;
    pause-api)
        shift
        cmd_pause_api "$@"
        ;;
    status) cmd_status ;;
    down)
        shift
        cmd_down "$@"
        ;;
    leftovers) leftovers ;;
    deps) ensure_deps ;;
    build)
        build_all
        build_images
        echo "$BIN_DIR"
        ;;
    kubectl)
        shift
        BIN_DIR="$(cat "$STATE_DIR/bin-dir")"
        _kubectl "$@"
        ;;
    *)
        echo "usage: $0 up | status | pause-api SECONDS | down [--purge] | leftovers | deps | build | kubectl ARGS..." >&2
        exit 2
        ;;
esac
