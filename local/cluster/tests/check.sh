# shellcheck shell=bash
# Shared by the cluster's test scripts: `check DESC CMD...` runs CMD and counts it as
# passed or failed; `summary` prints "N passed, N failed" and fails if any did.

passed=0
failed=0

check() { # DESC CMD...
    local desc="$1"
    shift
    if "$@"; then
        echo "PASS $desc"
        passed=$((passed + 1))
    else
        echo "FAIL $desc"
        failed=$((failed + 1))
    fi
}

summary() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
