#!/usr/bin/env bash
# The project's test command (npm test): installs what it needs from nothing, then
# checks formatting, typechecks, lints and runs the unit, component and program tests,
# then the end-to-end scenario on the local cluster. PSK_SKIP_E2E=1 leaves the scenario
# out. Every part runs even when an earlier one failed (except the toolchain build, which
# the rest needs); the closing line counts the tests of every part, passed and failed,
# and names the checks that failed.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

passed=0
failed=0
failed_checks=()

# check NAME CMD...: runs a check that has no test count of its own; a failure counts once.
check() {
    local name="$1"
    shift
    step "$name"
    if "$@"; then passed=$((passed + 1)); else
        failed=$((failed + 1))
        failed_checks+=("$name")
    fi
}

# count_jest NAME FILE: adds jest's JSON counts; no JSON means the run itself broke.
count_jest() {
    local name="$1" file="$2"
    if [ -s "$file" ]; then
        passed=$((passed + $(node -p "require('$file').numPassedTests")))
        failed=$((failed + $(node -p "require('$file').numFailedTests")))
        if [ "$(node -p "require('$file').success")" != true ]; then failed_checks+=("$name"); fi
    else
        failed=$((failed + 1))
        failed_checks+=("$name (no results)")
    fi
}

# count_pytest NAME LOG: adds the counts of pytest's summary line.
count_pytest() {
    local name="$1" log="$2" summary n
    summary="$(grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed)' "$log" | tail -n 1 || true)"
    n="$(grep -Eo '[0-9]+ passed' <<< "$summary" | cut -d' ' -f1 || true)"
    passed=$((passed + ${n:-0}))
    n="$({ grep -Eo '[0-9]+ (failed|errors?)' <<< "$summary" || true; } | awk '{ s += $1 } END { print s + 0 }')"
    if [ -n "$n" ] && [ "$n" != 0 ]; then
        failed=$((failed + n))
        failed_checks+=("$name")
    elif [ -z "$summary" ]; then
        failed=$((failed + 1))
        failed_checks+=("$name (no results)")
    fi
}

pytest_log="$(mktemp)"
jest_json="$(mktemp --suffix .json)"
e2e_json="$(mktemp --suffix .json)"
trap 'rm -f "$pytest_log" "$jest_json" "$e2e_json"' EXIT
: > "$jest_json"
: > "$e2e_json"

ensure_npm_packages
build_package

step "toolchain: build or reuse (Pulumi CLI, language host, kubernetes provider, spark-submit)"
bash toolchain/build.sh
check "toolchain checks" bash toolchain/check.sh
check "real engine: preview of every stack file, and of a bad config" bash scripts/preview-stacks.sh

step "the PySpark apps' tests (Spark local mode)"
# shellcheck source=toolchain/env.sh
(
    . toolchain/env.sh
    python -m pip install --quiet --disable-pip-version-check -r app/requirements-dev.txt
    python -m pytest -q app/tests
) 2>&1 | tee "$pytest_log" || true
count_pytest "pytest" "$pytest_log"

# The object store's smoke test, on loopback with a state dir of its own (the e2e drives
# the store on the cluster's bridge); stopped and purged whatever the outcome.
objectstore_smoke() {
    local state status=0
    state=$(mktemp -d)
    PSK_STATE=$state OBJECTSTORE_BIND=127.0.0.1 bash local/objectstore/objectstore.sh up \
        && PSK_STATE=$state bash local/objectstore/tests/smoke.sh || status=1
    PSK_STATE=$state bash local/objectstore/objectstore.sh down --purge || status=1
    rm -rf "$state"
    return "$status"
}

check "format check (prettier, 100 columns)" npx prettier --check .
check "typecheck (tsc --noEmit)" npx tsc --noEmit -p tsconfig.json
check "lint (eslint with @pulumi/eslint-plugin)" npx eslint .
check "workflow lint (actionlint + shellcheck)" bash scripts/lint-workflows.sh

step "unit, component and program tests (jest)"
npx jest --ci --json --outputFile="$jest_json" || true
count_jest "jest" "$jest_json"

e2e_note=""
if [ "${PSK_SKIP_E2E:-}" = 1 ]; then
    step "end-to-end scenario: skipped (PSK_SKIP_E2E=1)"
    e2e_note=" (end-to-end scenario skipped: PSK_SKIP_E2E=1)"
else
    step "end-to-end scenario on the local cluster (scripts/e2e.sh)"
    E2E_JEST_JSON="$e2e_json" bash scripts/e2e.sh || true
    count_jest "end-to-end scenario" "$e2e_json"
    e2e_note=" (end-to-end scenario included)"
fi

if [ "${PSK_SKIP_E2E:-}" != 1 ]; then
    # After the scenario: stopping the cluster leaves other software's KUBE- chains and
    # kubepods cgroups alone (brings the cluster up and down around them).
    check "local cluster: down leaves foreign iptables chains and cgroups alone" \
        bash local/cluster/tests/foreign.sh
    check "object store on loopback: anonymous access refused, keyed put and get, wrong secret refused" \
        objectstore_smoke
fi

if [ "${#failed_checks[@]}" -gt 0 ]; then
    printf '\nfailed: %s\n' "$(
        IFS=';'
        echo "${failed_checks[*]}"
    )"
fi
# One closing line for all of it.
printf '\ntests: %s passed, %s failed%s\n' "$passed" "$failed" "$e2e_note"
[ "$failed" -eq 0 ] && [ "${#failed_checks[@]}" -eq 0 ]
