#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Checks that the toolchain built by toolchain/build.sh matches the pins in versions.env.
# Prints PASS/FAIL per item (SKIP for extras that were not built); exits non-zero if
# anything failed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"

fails=0
pass() { printf 'PASS %s\n' "$*"; }
skip() { printf 'SKIP %s\n' "$*"; }
fail() {
    printf 'FAIL %s\n' "$*"
    fails=$((fails + 1))
}
# indent FILE: shows a command's output under a FAIL line.
indent() { sed 's/^/     /' "$1" 2> /dev/null || true; }

# expect_version WHAT WANT CMD...: CMD's output must be WANT.
expect_version() {
    local what="$1" want="$2" got
    shift 2
    got="$("$@" 2>&1 || true)"
    if [ "$got" = "$want" ]; then pass "$what = $got"; else fail "$what = '$got', want $want"; fi
}

# on_path NAME WANT: `command -v NAME` must be WANT.
on_path() {
    local got
    got="$(command -v "$1" || echo none)"
    if [ "$got" = "$2" ]; then pass "$1 on PATH is $2"; else fail "$1 on PATH is $got, want $2"; fi
}

check_node() {
    expect_version "node --version" "v$NODE_VERSION" node --version
    on_path node "$PSK_NODE_BIN/node"
}

check_cli() {
    if [ ! -x "$PSK_TOOLCHAIN_BIN/pulumi" ]; then
        fail "pulumi CLI missing at $PSK_TOOLCHAIN_BIN/pulumi (run bash toolchain/build.sh)"
        return
    fi
    expect_version "pulumi version" "v$PULUMI_VERSION" "$PSK_TOOLCHAIN_BIN/pulumi" version
    on_path pulumi "$PSK_TOOLCHAIN_BIN/pulumi"
    "$PSK_TOOLCHAIN_BIN/pulumi" plugin ls > "$tmp/plugins" 2>&1 || true
    if grep -Eq "^kubernetes[[:space:]]+resource[[:space:]]+${KUBERNETES_PROVIDER_VERSION}[[:space:]]" "$tmp/plugins"; then
        pass "plugin ls: kubernetes resource $KUBERNETES_PROVIDER_VERSION"
    else
        fail "plugin ls lacks kubernetes resource $KUBERNETES_PROVIDER_VERSION:"
        indent "$tmp/plugins"
    fi
    on_path pulumi-resource-kubernetes "$PSK_TOOLCHAIN_BIN/pulumi-resource-kubernetes"
}

# The language hosts and the dynamic-provider shim sit next to the CLI.
check_plugins() {
    if [ -x "$PSK_TOOLCHAIN_BIN/pulumi-language-nodejs" ]; then
        expect_version "pulumi-language-nodejs --version" "$LANGHOST_NODEJS_VERSION" \
            "$PSK_TOOLCHAIN_BIN/pulumi-language-nodejs" --version
    else
        fail "pulumi-language-nodejs missing in $PSK_TOOLCHAIN_BIN"
    fi
    if [ -x "$PSK_TOOLCHAIN_BIN/pulumi-resource-pulumi-nodejs" ] && [ -f "$PSK_TOOLCHAIN_BIN/parent-watch.js" ]; then
        pass "pulumi-resource-pulumi-nodejs (dynamic providers) and parent-watch.js present"
    else
        fail "pulumi-resource-pulumi-nodejs or parent-watch.js missing in $PSK_TOOLCHAIN_BIN"
    fi
    if [ -x "$PSK_TOOLCHAIN_BIN/pulumi-language-yaml" ]; then
        expect_version "pulumi-language-yaml --version" "$PULUMI_YAML_VERSION" \
            "$PSK_TOOLCHAIN_BIN/pulumi-language-yaml" --version
    else
        skip "pulumi-language-yaml not built (bash toolchain/build.sh --with yaml)"
    fi
}

check_spark() {
    if [ ! -x "$PSK_TOOLCHAIN_VENV/bin/spark-submit" ]; then
        skip "pyspark and Java not built (bash toolchain/build.sh --with spark)"
        return
    fi
    if [ -x "$JAVA_HOME/bin/java" ]; then pass "JAVA_HOME=$JAVA_HOME"; else fail "no java in JAVA_HOME=$JAVA_HOME"; fi
    if spark-submit --version > "$tmp/spark" 2>&1 && grep -q "version $PYSPARK_VERSION" "$tmp/spark"; then
        pass "spark-submit --version reports $PYSPARK_VERSION"
    else
        fail "spark-submit --version does not report $PYSPARK_VERSION:"
        indent "$tmp/spark"
    fi
    if ls "${SPARK_HOME:-/nonexistent}"/jars/spark-kubernetes_*.jar > /dev/null 2>&1; then
        pass "pyspark ships $(basename "$(ls "$SPARK_HOME"/jars/spark-kubernetes_*.jar)")"
    else
        fail "no jars/spark-kubernetes_*.jar under SPARK_HOME=${SPARK_HOME:-unset}"
    fi
}

main() {
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    check_node
    check_cli
    check_plugins
    check_spark
    if [ "$fails" -eq 0 ]; then
        echo "toolchain check: all passed"
    else
        echo "toolchain check: $fails failed"
        exit 1
    fi
}

main "$@"
