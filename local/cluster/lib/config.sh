# shellcheck shell=bash
# Writes the component configuration files under "$CFG_DIR". A file is only
# rewritten when its content changes (kube-proxy exits when its config file is written).

gen_config() {
    mkdir -p "$CFG_DIR" "$CTRD_DIR/certs.d/127.0.0.1:5000" "$STATE_DIR/cni/net.d" "$STATE_DIR/cni/ipam"

    # containerd: own root/state/socket, never the system defaults.
    _put "$CFG_DIR/containerd.toml" << TOML
version = 2
root = "$CTRD_DIR/root"
state = "$CTRD_DIR/state"
oom_score = 0
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$CTRD_SOCK"

[ttrpc]
  address = "$CTRD_DIR/containerd.sock.ttrpc"

[debug]
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = "$CTRD_DIR/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$(command -v runc)"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE_DIR/cni/net.d"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$CTRD_DIR/certs.d"
TOML

    # Plain-HTTP local registry (127.0.0.1:5000) for images such as 127.0.0.1:5000/spark-py:3.5.7.
    _put "$CTRD_DIR/certs.d/127.0.0.1:5000/hosts.toml" << TOML
server = "http://127.0.0.1:5000"

[host."http://127.0.0.1:5000"]
  capabilities = ["pull", "resolve"]
  skip_verify = true
TOML

    # CNI: our bridge, host-local IPAM, no masquerade (pods only reach this machine).
    _put "$STATE_DIR/cni/net.d/10-psk.conflist" << JSON
{
  "cniVersion": "1.0.0",
  "name": "psk",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE_NAME",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$STATE_DIR/cni/ipam",
        "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$BRIDGE_IP"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
JSON

    # Pods get no upstream resolver: cluster DNS only.
    printf 'search %s\n' "$CLUSTER_DOMAIN" | _put "$CFG_DIR/resolv.conf"

    _put "$CFG_DIR/kubelet.yaml" << YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $BRIDGE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $PKI_DIR/ca.crt
authorization:
  mode: Webhook
tlsCertFile: $PKI_DIR/kubelet-server.crt
tlsPrivateKeyFile: $PKI_DIR/kubelet-server.key
containerRuntimeEndpoint: unix://$CTRD_SOCK
imageServiceEndpoint: unix://$CTRD_SOCK
cgroupDriver: cgroupfs
cgroupsPerQOS: true
# Pods under our own cgroup parent (/$CGROUP_ROOT/kubepods), so that stopping the cluster
# touches no other cluster's pods on this host.
cgroupRoot: /$CGROUP_ROOT
failCgroupV1: false
oomScoreAdj: 0
failSwapOn: false
clusterDNS:
- $BRIDGE_IP
clusterDomain: $CLUSTER_DOMAIN
resolvConf: $CFG_DIR/resolv.conf
podLogsDir: $STATE_DIR/pod-logs
serializeImagePulls: false
maxPods: 110
evictionHard:
  memory.available: 100Mi
  nodefs.available: 2%
  nodefs.inodesFree: 2%
  imagefs.available: 2%
imageGCHighThresholdPercent: 98
imageGCLowThresholdPercent: 95
enforceNodeAllocatable:
- pods
rotateCertificates: false
serverTLSBootstrap: false
registerNode: true
YAML

    _put "$CFG_DIR/kube-proxy.yaml" << YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $CFG_DIR/kube-proxy.kubeconfig
mode: iptables
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses:
- $POD_CIDR
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
iptables:
  syncPeriod: 30s
  minSyncPeriod: 1s
YAML

    _put "$CFG_DIR/Corefile" << COREFILE
.:53 {
    bind $BRIDGE_IP
    errors
    health 127.0.0.1:18081
    ready 127.0.0.1:18181
    kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
        kubeconfig $CFG_DIR/coredns.kubeconfig psk-local
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    cache 30
    loadbalance
}
COREFILE

    _put "$CFG_DIR/bootstrap-rbac.yaml" << YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: psk:coredns
rules:
- apiGroups: [""]
  resources: [endpoints, services, pods, namespaces]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: psk:coredns
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: psk:coredns
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: psk:coredns
YAML
}
