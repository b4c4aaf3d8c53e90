# shellcheck shell=bash
# Certificates (openssl) and kubeconfigs for the local cluster. Idempotent:
# existing files are kept, so `up` after `down` reuses the same CA and keys.

_key() {
    [ -s "$1" ] || openssl genrsa -out "$1" 2048 2> /dev/null || die "openssl genrsa $1 failed"
    chmod 600 "$1"
}

# _cert NAME SUBJECT EXT_USAGE [SAN]
_cert() {
    local name="$1" subj="$2" eku="$3" san="${4:-}" ext
    [ -s "$PKI_DIR/$name.crt" ] && return 0
    _key "$PKI_DIR/$name.key"
    ext="$(mktemp)"
    {
        echo "basicConstraints=critical,CA:FALSE"
        echo "keyUsage=critical,digitalSignature,keyEncipherment"
        echo "extendedKeyUsage=$eku"
        [ -z "$san" ] || echo "subjectAltName=$san"
    } > "$ext"
    openssl req -new -key "$PKI_DIR/$name.key" -subj "$subj" -out "$PKI_DIR/$name.csr" 2> /dev/null \
        || die "openssl req for $name failed"
    openssl x509 -req -in "$PKI_DIR/$name.csr" -CA "$PKI_DIR/ca.crt" -CAkey "$PKI_DIR/ca.key" \
        -CAcreateserial -days 3650 -sha256 -extfile "$ext" -out "$PKI_DIR/$name.crt" 2> /dev/null \
        || die "openssl x509 signing of $name failed"
    rm -f "$ext" "$PKI_DIR/$name.csr"
}

# _kubeconfig FILE CERTNAME [SERVER]
_kubeconfig() {
    local file="$1" cert="$2" server="${3:-https://127.0.0.1:6443}"
    _put "$file" << KCFG
apiVersion: v1
kind: Config
clusters:
- name: psk-local
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 < "$PKI_DIR/ca.crt")
users:
- name: $cert
  user:
    client-certificate-data: $(base64 -w0 < "$PKI_DIR/$cert.crt")
    client-key-data: $(base64 -w0 < "$PKI_DIR/$cert.key")
contexts:
- name: psk-local
  context:
    cluster: psk-local
    user: $cert
current-context: psk-local
KCFG
    chmod 600 "$file"
}

gen_pki() {
    mkdir -p "$PKI_DIR"
    chmod 700 "$PKI_DIR"
    if [ ! -s "$PKI_DIR/ca.crt" ]; then
        _key "$PKI_DIR/ca.key"
        openssl req -x509 -new -key "$PKI_DIR/ca.key" -subj "/CN=psk-local-ca" -days 3650 -sha256 \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
            -out "$PKI_DIR/ca.crt" 2> /dev/null || die "openssl: creating the cluster CA failed"
    fi
    _key "$PKI_DIR/sa.key"
    [ -s "$PKI_DIR/sa.pub" ] || openssl rsa -in "$PKI_DIR/sa.key" -pubout -out "$PKI_DIR/sa.pub" 2> /dev/null \
        || die "openssl: service-account public key failed"
    local svc="DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN,DNS:localhost"
    _cert apiserver "/CN=kube-apiserver" serverAuth "$svc,IP:127.0.0.1,IP:$BRIDGE_IP,IP:$KUBERNETES_SVC_IP"
    _cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
    _cert admin "/O=system:masters/CN=psk-admin" clientAuth
    _cert controller-manager "/CN=system:kube-controller-manager" clientAuth
    _cert scheduler "/CN=system:kube-scheduler" clientAuth
    _cert kube-proxy "/CN=system:kube-proxy" clientAuth
    _cert coredns "/CN=psk:coredns" clientAuth
    _cert kubelet-client "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
    _cert kubelet-server "/CN=$NODE_NAME" serverAuth "DNS:$NODE_NAME,DNS:localhost,IP:127.0.0.1,IP:$BRIDGE_IP"
    _cert controller-manager-serving "/CN=kube-controller-manager" serverAuth "DNS:localhost,IP:127.0.0.1"
    _cert scheduler-serving "/CN=kube-scheduler" serverAuth "DNS:localhost,IP:127.0.0.1"

    mkdir -p "$CFG_DIR"
    _kubeconfig "$KUBECONFIG_ADMIN" admin
    _kubeconfig "$CFG_DIR/controller-manager.kubeconfig" controller-manager
    _kubeconfig "$CFG_DIR/scheduler.kubeconfig" scheduler
    _kubeconfig "$CFG_DIR/kube-proxy.kubeconfig" kube-proxy
    _kubeconfig "$CFG_DIR/coredns.kubeconfig" coredns
    _kubeconfig "$CFG_DIR/kubelet.kubeconfig" kubelet-client
}
