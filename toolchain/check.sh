#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Check that the toolchain built by toolchain/build.sh matches the pins in versions.env.
# Prints PASS/FAIL per item; exits non-zero if anything fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"

fails=0
pass() { printf 'PASS %s\n' "$*"; }
fail() {
    printf 'FAIL %s\n' "$*"
    fails=$((fails + 1))
}
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# 1. CLI version
if [ -x "$PSK_TOOLCHAIN_BIN/pulumi" ]; then
    v="$("$PSK_TOOLCHAIN_BIN/pulumi" version 2>&1 || true)"
    if [ "$v" = "v$PULUMI_VERSION" ]; then pass "pulumi version = $v"; else fail "pulumi version = '$v', want v$PULUMI_VERSION"; fi
    if [ "$(command -v pulumi)" = "$PSK_TOOLCHAIN_BIN/pulumi" ]; then pass "pulumi on PATH is the built one"; else fail "pulumi on PATH is $(command -v pulumi || echo none)"; fi
else
    fail "pulumi CLI missing at $PSK_TOOLCHAIN_BIN/pulumi (run npm run toolchain)"
fi

# 2. plugins: kubernetes in the plugin cache at the pinned version; command provider is not built.
if [ -x "$PSK_TOOLCHAIN_BIN/pulumi" ]; then
    "$PSK_TOOLCHAIN_BIN/pulumi" plugin ls > "$tmp/plugins" 2>&1 || true
    if grep -Eq "^kubernetes[[:space:]]+resource[[:space:]]+${KUBERNETES_PROVIDER_VERSION}[[:space:]]" "$tmp/plugins"; then
        pass "plugin ls: kubernetes resource $KUBERNETES_PROVIDER_VERSION"
    else
        fail "plugin ls lacks kubernetes resource $KUBERNETES_PROVIDER_VERSION:"
        sed 's/^/     /' "$tmp/plugins"
    fi
fi
if [ "$(command -v pulumi-resource-kubernetes)" = "$PSK_TOOLCHAIN_BIN/pulumi-resource-kubernetes" ]; then
    pass "pulumi-resource-kubernetes on PATH"
else
    fail "pulumi-resource-kubernetes not on PATH from $PSK_TOOLCHAIN_BIN"
fi

# 3. language host and dynamic-provider shim
if [ -x "$PSK_TOOLCHAIN_BIN/pulumi-language-nodejs" ]; then
    v="$("$PSK_TOOLCHAIN_BIN/pulumi-language-nodejs" --version 2>&1 || true)"
    if [ "$v" = "$LANGHOST_NODEJS_VERSION" ]; then pass "pulumi-language-nodejs --version = $v"; else fail "pulumi-language-nodejs --version = '$v', want $LANGHOST_NODEJS_VERSION"; fi
else
    fail "pulumi-language-nodejs missing in $PSK_TOOLCHAIN_BIN"
fi
if [ -x "$PSK_TOOLCHAIN_BIN/pulumi-resource-pulumi-nodejs" ]; then pass "pulumi-resource-pulumi-nodejs (dynamic providers) present"; else fail "pulumi-resource-pulumi-nodejs missing"; fi

# 4. Java + Spark
if [ -x "$JAVA_HOME/bin/java" ]; then pass "JAVA_HOME=$JAVA_HOME"; else fail "no java in JAVA_HOME=$JAVA_HOME"; fi
if command -v spark-submit > /dev/null 2>&1 && spark-submit --version > "$tmp/spark" 2>&1; then
    if grep -q "version $PYSPARK_VERSION" "$tmp/spark"; then
        pass "spark-submit --version reports $PYSPARK_VERSION"
    else
        fail "spark-submit --version does not report $PYSPARK_VERSION:"
        sed 's/^/     /' "$tmp/spark"
    fi
else
    fail "spark-submit --version failed:"
    sed 's/^/     /' "$tmp/spark" 2> /dev/null || true
fi
if ls "${SPARK_HOME:-/nonexistent}"/jars/spark-kubernetes_*.jar > /dev/null 2>&1; then
    pass "pyspark ships $(basename "$(ls "$SPARK_HOME"/jars/spark-kubernetes_*.jar)")"
else
    fail "no jars/spark-kubernetes_*.jar under SPARK_HOME=${SPARK_HOME:-unset}"
fi

if [ "$fails" -eq 0 ]; then echo "toolchain check: all passed"; else
    echo "toolchain check: $fails failed"
    exit 1
fi
