#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Smoke test of a running local cluster (local/cluster/cluster.sh up first):
# cluster DNS (service + headless service), API access through the kubernetes
# service ClusterIP with a service-account token, an RBAC denial, ServiceAccount
# admission, and pod-to-pod networking across a 2-replica ReplicaSet.
# Prints "N passed, N failed" and exits non-zero on any failure.
set -euo pipefail

# shellcheck source=../lib/common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib/common.sh"
BIN_DIR="$(cat "$STATE_DIR/bin-dir" 2> /dev/null)" || die "cluster not set up: run local/cluster/cluster.sh up"
NS=psk-smoke
k() { "$BIN_DIR/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

# shellcheck source=check.sh
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"

cleanup() { k delete namespace "$NS" --wait=false > /dev/null 2>&1 || true; }
[ "${KEEP:-0}" = 1 ] || trap cleanup EXIT

k delete namespace "$NS" --ignore-not-found --wait=true --timeout=60s > /dev/null
k create namespace "$NS" > /dev/null
k apply -n "$NS" -f - > /dev/null << YAML
apiVersion: v1
kind: ServiceAccount
metadata: {name: reader}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: nobody}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader-pod-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects:
- {kind: ServiceAccount, name: reader, namespace: $NS}
---
apiVersion: v1
kind: Service
metadata: {name: peer}
spec:
  clusterIP: None
  selector: {app: peer}
  ports: [{name: http, port: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: peer, labels: {app: peer}}
spec:
  containers:
  - name: httpd
    image: $TEST_IMAGE
    imagePullPolicy: Never
    command: [sh, -c, 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www']
    resources: {requests: {cpu: 10m, memory: 16Mi}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: httpd
        image: $TEST_IMAGE
        imagePullPolicy: IfNotPresent
        command: [sh, -c, 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www']
        resources: {requests: {cpu: 10m, memory: 16Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
YAML

k -n "$NS" wait --for=condition=Ready pod/peer --timeout=120s > /dev/null
k -n "$NS" wait --for=condition=Ready pod -l app=web --timeout=120s > /dev/null
PEER_IP="$(k -n "$NS" get pod peer -o jsonpath='{.status.podIP}')"
WEB_IPS="$(k -n "$NS" get pod -l app=web -o jsonpath='{.items[*].status.podIP}')"
echo "peer pod $PEER_IP, web pods $WEB_IPS"

# run_probe NAME SERVICEACCOUNT SCRIPT: runs a one-shot pod, prints its log, returns its exit code.
run_probe() {
    local name="$1" sa="$2" script="$3" phase i
    k -n "$NS" apply -f - > /dev/null << YAML
apiVersion: v1
kind: Pod
metadata: {name: $name}
spec:
  serviceAccountName: $sa
  restartPolicy: Never
  containers:
  - name: probe
    image: $TEST_IMAGE
    imagePullPolicy: Never
    command: [sh, -c, '$script']
YAML
    for ((i = 0; i < 120; i++)); do
        phase="$(k -n "$NS" get pod "$name" -o jsonpath='{.status.phase}')"
        case "$phase" in Succeeded | Failed) break ;; esac
        sleep 1
    done
    k -n "$NS" logs "$name" | sed "s/^/  [$name] /"
    [ "$phase" = Succeeded ]
}

API="https://kubernetes.default.svc.$CLUSTER_DOMAIN/api/v1/namespaces/$NS/pods"
# shellcheck disable=SC2016  # expanded inside the pod
TOKEN_HDR='--header "Authorization: Bearer $(cat /var/run/secrets/kubernetes.io/serviceaccount/token)"'

check "DNS: kubernetes.default.svc.$CLUSTER_DOMAIN -> $KUBERNETES_SVC_IP (from a pod)" \
    run_probe dns-svc reader "nslookup kubernetes.default.svc.$CLUSTER_DOMAIN | tee /dev/stderr | grep -q \"$KUBERNETES_SVC_IP\""
check "DNS: headless service peer.$NS.svc.$CLUSTER_DOMAIN -> pod $PEER_IP; short name 'peer' via search path" \
    run_probe dns-headless reader "nslookup peer.$NS.svc.$CLUSTER_DOMAIN | tee /dev/stderr | grep -q \"$PEER_IP\" && wget -qO- http://peer:8080/ | grep -q peer"
check "API via kubernetes service ClusterIP with SA token (reader may list pods)" \
    run_probe api-allowed reader "wget -qO- --no-check-certificate $TOKEN_HDR $API > /tmp/out && grep -q PodList /tmp/out && echo got PodList"
check "RBAC denial: SA 'nobody' gets 403 listing pods" \
    run_probe api-denied nobody "if wget -qO- --no-check-certificate $TOKEN_HDR $API 2>/tmp/err; then exit 1; fi; cat /tmp/err; grep -q 403 /tmp/err"

pod_to_pod() {
    local script="" ip
    for ip in $WEB_IPS; do script="$script wget -qO- http://$ip:8080/ | grep -q web- || exit 1; echo reached $ip;"; done
    script="$script for i in 1 2 3 4 5 6; do wget -qO- http://web.$NS.svc/ ; done"
    run_probe pod-to-pod reader "$script"
}
check "pod-to-pod networking: probe pod reaches both ReplicaSet pods directly and via ClusterIP service" pod_to_pod

missing_sa() {
    local out
    if out="$(k -n "$NS" run missing-sa --image="$TEST_IMAGE" --image-pull-policy=Never --restart=Never \
        --overrides='{"spec":{"serviceAccountName":"does-not-exist"}}' -- true 2>&1)"; then
        echo "  pod with a missing service account was accepted: $out"
        return 1
    fi
    echo "  rejected: $out"
    grep -q 'serviceaccount "does-not-exist" not found' <<< "$out"
}
check "ServiceAccount admission rejects a pod naming a missing service account" missing_sa

node_alloc() {
    local cpu mem
    cpu="$(k get node "$NODE_NAME" -o jsonpath='{.status.allocatable.cpu}')"
    mem="$(k get node "$NODE_NAME" -o jsonpath='{.status.allocatable.memory}')"
    echo "  node allocatable cpu=$cpu memory=$mem"
    [ "$cpu" = "$(nproc)" ] && [ -n "$mem" ]
}
check "node reports allocatable CPU and memory" node_alloc

summary
