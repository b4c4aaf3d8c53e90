#!/usr/bin/env bash
# The project's test command (npm test): installs what it needs from nothing, then runs
# the checks (toolchain, real-engine previews, format, types, lint, workflows), the test
# suites (the apps' pytest, the unit/component/program jest tests) and the end-to-end
# scenario on the local cluster. PSK_SKIP_E2E=1 leaves the scenario out.
#
# Every part runs even when an earlier one failed (except the toolchain build, which the
# rest needs), and every failure reaches the closing line and the exit code: a suite that
# does not run (a file that does not compile, an install that fails) counts as failed, and
# so does a teardown that fails. The closing line counts tests and whole-script checks
# apart.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

tests_passed=0
tests_failed=0
checks_passed=0
failed_checks=()

# check NAME CMD...: a check that has no test count of its own.
check() {
    local name="$1"
    shift
    step "$name"
    if "$@"; then
        checks_passed=$((checks_passed + 1))
    else
        failed_checks+=("$name")
    fi
}

# suite NAME RESULTS CMD...: a test suite whose counts CMD leaves in RESULTS (jest JSON or
# pytest's JUnit XML). A suite that fails without a failed test (it did not compile, its
# setup failed) is a failed check; a suite with no results at all is one too.
suite() {
    local name="$1" results="$2" status=0 counts passed failed broken
    shift 2
    step "$name"
    "$@" || status=$?
    if ! counts=$(suite_counts "$results"); then
        failed_checks+=("$name: no results (exit $status)")
        return
    fi
    read -r passed failed broken <<< "$counts"
    tests_passed=$((tests_passed + passed))
    tests_failed=$((tests_failed + failed))
    if [ "$broken" -gt 0 ]; then failed_checks+=("$name: $broken suite(s) did not run"); fi
    if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && [ "$broken" -eq 0 ]; then
        failed_checks+=("$name: exit $status without a failed test")
    fi
}

# suite_counts FILE: "passed failed broken" from jest's JSON or pytest's JUnit XML.
suite_counts() {
    [ -s "$1" ] || return 1
    node -e '
        const fs = require("fs");
        const text = fs.readFileSync(process.argv[1], "utf8");
        if (text.trimStart().startsWith("{")) {
            const r = JSON.parse(text);
            console.log(r.numPassedTests, r.numFailedTests, r.numRuntimeErrorTestSuites);
        } else {
            const n = (attr) => [...text.matchAll(new RegExp(`<testsuite [^>]*${attr}="(\\d+)"`, "g"))]
                .reduce((sum, m) => sum + Number(m[1]), 0);
            const failed = n("failures") + n("errors");
            console.log(n("tests") - failed - n("skipped"), failed, 0);
        }' "$1"
}

# pytest_suite RESULTS: the apps' tests, in a subshell with the toolchain's environment.
pytest_suite() (
    # shellcheck source=toolchain/env.sh
    . toolchain/env.sh
    python -m pip install --quiet --disable-pip-version-check -r app/requirements-dev.txt || exit
    python -m pytest -q app/tests --junitxml="$1"
)

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

summary() {
    local status=0
    if [ "${#failed_checks[@]}" -gt 0 ]; then
        printf '\nfailed:\n' >&2
        printf '  - %s\n' "${failed_checks[@]}" >&2
        status=1
    fi
    [ "$tests_failed" -eq 0 ] || status=1
    printf '\ntests: %s passed, %s failed; checks: %s passed, %s failed%s\n' \
        "$tests_passed" "$tests_failed" "$checks_passed" "${#failed_checks[@]}" "$1"
    return "$status"
}

# The suites' result files; removed on exit (a global: the EXIT trap runs after main).
work=""
remove_work() { if [ -n "$work" ]; then rm -rf "$work"; fi; }

main() {
    local e2e_note
    work="$(mktemp -d)"
    trap remove_work EXIT

    ensure_npm_packages
    build_package
    step "toolchain: build or reuse (Pulumi CLI, language hosts, kubernetes provider, spark-submit)"
    bash toolchain/build.sh --with tests

    check "toolchain checks" bash toolchain/check.sh
    check "real engine: preview of every stack file, and of a bad config" bash scripts/preview-stacks.sh
    suite "the PySpark apps' tests (Spark local mode)" "$work/pytest.xml" pytest_suite "$work/pytest.xml"
    check "format check (prettier, 100 columns)" npx prettier --check .
    check "typecheck (tsc --noEmit)" npx tsc --noEmit -p tsconfig.json
    check "lint (eslint with @pulumi/eslint-plugin)" npx eslint .
    check "workflow lint (actionlint + shellcheck)" bash scripts/lint-workflows.sh
    suite "unit, component and program tests (jest)" "$work/jest.json" \
        npx jest --ci --json --outputFile="$work/jest.json"

    if [ "${PSK_SKIP_E2E:-}" = 1 ]; then
        step "end-to-end scenario: skipped (PSK_SKIP_E2E=1)"
        e2e_note=" (end-to-end scenario skipped: PSK_SKIP_E2E=1)"
    else
        # The scenario script's own exit covers the cluster's and the images' teardown.
        suite "end-to-end scenario on the local cluster (scripts/e2e.sh)" "$work/e2e.json" \
            env E2E_JEST_JSON="$work/e2e.json" bash scripts/e2e.sh
        # After the scenario: stopping the cluster leaves other software's KUBE- chains and
        # kubepods cgroups alone (brings the cluster up and down around them).
        check "local cluster: down leaves foreign iptables chains and cgroups alone" \
            bash local/cluster/tests/foreign.sh
        check "object store on loopback: anonymous access refused, keyed put and get, wrong secret refused" \
            objectstore_smoke
        e2e_note=" (end-to-end scenario included)"
    fi
    summary "$e2e_note"
}

main "$@"
