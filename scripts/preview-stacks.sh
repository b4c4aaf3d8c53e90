#!/usr/bin/env bash
# Real-engine checks (part of npm test): the built Pulumi CLI previews every stack file
# against a kubeconfig that points at no cluster, and shows the expected resources;
# a stack with bad config fails with the program's validation message and registers
# nothing. Stacks live in a throwaway file backend.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Preview from a copy of the project: `stack init` writes into Pulumi.<stack>.yaml.
repo="$PWD"
mkdir -p "$work/project"
git ls-files -z --cached --others --exclude-standard | grep -zv '^node_modules/' | tar -C "$repo" --null -T - -cf - | tar -C "$work/project" -xf -
ln -s "$repo/node_modules" "$work/project/node_modules"
export PULUMI_BACKEND_URL="file://$work/backend"
mkdir -p "$work/backend" "$work/tmp"
# The kubernetes provider writes a kubeconfig copy to a new temp file on every run and
# never removes it: keep those inside $work.
export TMPDIR="$work/tmp"
# shellcheck source=toolchain/env.sh
. toolchain/env.sh
cd "$work/project"

fails=0
pass() { printf 'PASS %s\n' "$*"; }
fail() {
    printf 'FAIL %s\n' "$*"
    fails=$((fails + 1))
}

# The npm packages and the built plugins must be the same versions.
npm_version() { node -p "require('./node_modules/$1/package.json').version"; }
if [ "$(npm_version @pulumi/pulumi)" = "$PULUMI_VERSION" ]; then pass "npm @pulumi/pulumi = CLI $PULUMI_VERSION"; else fail "npm @pulumi/pulumi $(npm_version @pulumi/pulumi) != CLI $PULUMI_VERSION"; fi
if [ "$(npm_version @pulumi/kubernetes)" = "$KUBERNETES_PROVIDER_VERSION" ]; then pass "npm @pulumi/kubernetes = provider $KUBERNETES_PROVIDER_VERSION"; else fail "npm @pulumi/kubernetes $(npm_version @pulumi/kubernetes) != provider $KUBERNETES_PROVIDER_VERSION"; fi

# A kubeconfig whose every context points at a port nothing listens on.
kubeconfig="$work/kubeconfig"
{
    echo "apiVersion: v1"
    echo "kind: Config"
    echo "current-context: minikube"
    echo "clusters: [{name: nowhere, cluster: {server: \"https://127.0.0.1:1\"}}]"
    echo "users: [{name: nobody, user: {token: none}}]"
    echo "contexts:"
    for ctx in minikube staging prod psk-local; do echo "- {name: $ctx, context: {cluster: nowhere, user: nobody}}"; done
} > "$kubeconfig"
export KUBECONFIG="$kubeconfig"

preview() { # stack config-file output-file
    pulumi stack select --create "$1" > /dev/null 2>&1
    pulumi preview --stack "$1" --config-file "$2" --non-interactive --color never > "$3" 2>&1
}

for file in Pulumi.*.yaml; do
    stack="${file#Pulumi.}"
    stack="${stack%.yaml}"
    config="$work/$file"
    # Same settings, but the local stack's kubeconfig path points at no cluster too.
    sed "s|kubeconfig: .*|kubeconfig: $kubeconfig|" "$file" > "$config"
    out="$work/$stack.preview"
    if ! preview "$stack" "$config" "$out"; then
        fail "preview -s $stack exited non-zero:"
        sed 's/^/     /' "$out"
        continue
    fi
    # RoleBinding unless the stack asks for the cluster-wide one.
    binding=RoleBinding
    grep -q "binding: cluster" "$file" && binding=ClusterRoleBinding
    missing=""
    for want in "pyspark-k8s:image:JobImage" "dynamic/pyspark-k8s:ImageBuild" "pyspark-k8s:rbac:SparkRbac" \
        "kubernetes:core/v1:ServiceAccount" "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole " \
        "kubernetes:rbac.authorization.k8s.io/v1:$binding " "pyspark-k8s:job:SparkJob" "kubernetes:batch/v1:Job" \
        "kubernetes:core/v1:ConfigMap" "kubernetes:networking.k8s.io/v1:NetworkPolicy" "dynamic/pyspark-k8s:RunResult"; do
        grep -q -- "+ .*$want" "$out" || missing="$missing $want"
    done
    if [ -z "$missing" ]; then
        pass "preview -s $stack: $(grep -Eo '[0-9]+ to create' "$out") (image build, RBAC with $binding, job run)"
    else
        fail "preview -s $stack lacks:$missing"
        sed 's/^/     /' "$out"
    fi
done

# Bad config: every problem reported, nothing registered.
bad="$work/Pulumi.bad.yaml"
sed -e 's/^  pyspark-k8s:namespace: .*/  pyspark-k8s:namespace: Bad_Namespace/' \
    -e 's/^        instances: 2$/        instances: 0/' \
    -e 's/^config:$/config:\n  pyspark-k8s:executors: 5/' -e '/^encryptionsalt:/d' Pulumi.dev.yaml > "$bad"
out="$work/bad.preview"
if preview bad "$bad" "$out"; then
    fail "preview of a bad config succeeded"
elif ! grep -q "invalid configuration of stack 'bad': 3 problems, nothing was created" "$out" \
    || ! grep -q "pyspark-k8s:namespace: namespace must be a DNS-1123 label" "$out" \
    || ! grep -q "pyspark-k8s:jobs.pi.executor.instances: must be at least 1 (got 0)" "$out" \
    || ! grep -q "pyspark-k8s:executors: is not a known setting" "$out"; then
    fail "bad config: validation message missing:"
    sed 's/^/     /' "$out"
elif grep -Eq '^ +at .*(\.ts|\.js):[0-9]+' "$out"; then
    fail "bad config: the message carries a stack trace:"
    sed 's/^/     /' "$out"
elif grep -Eq '^ *\+ +(kubernetes|pulumi-nodejs|pyspark-k8s):' "$out"; then
    fail "bad config registered resources:"
    grep -E '^ *\+ ' "$out" | sed 's/^/     /'
else
    pass "preview with bad config fails with the validation message and registers nothing"
fi

if [ "$fails" -gt 0 ]; then
    echo "preview-stacks: $fails check(s) failed" >&2
    exit 1
fi
