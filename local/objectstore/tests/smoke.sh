#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Smoke test of a running local object store (local/objectstore/objectstore.sh up first):
# anonymous access refused, a bucket created, an object put, read back identical and listed
# with the generated keys, a wrong secret refused with SignatureDoesNotMatch, and weed's
# listening TCP ports only on the bind address (S3) and the internal address (the rest).
# Signs with curl's --aws-sigv4. Prints "N passed, N failed"; non-zero on any failure.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STORE=$HERE/../objectstore.sh
# shellcheck source=../versions.env
. "$HERE/../versions.env"
# shellcheck source=../../cluster/tests/check.sh
. "$HERE/../../cluster/tests/check.sh"

bash "$STORE" status || {
    echo "object store not running: run local/objectstore/objectstore.sh up" >&2
    exit 1
}
eval "$(bash "$STORE" env)"
SIGV4="aws:amz:$AWS_REGION:s3"
BUCKET=psk-smoke-$(date +%s)-$$
WORK=$(mktemp -d)
echo "endpoint $S3_ENDPOINT, bucket $BUCKET"

s3() { # [CURL ARGS...] URL: signed request; prints the body, then the HTTP code on a line
    curl -sS --max-time 30 --aws-sigv4 "$SIGV4" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
        -w '\n%{http_code}\n' "$@"
}

cleanup() {
    s3 -X DELETE "$S3_ENDPOINT/$BUCKET/object.bin" > /dev/null 2>&1 || true
    s3 -X DELETE "$S3_ENDPOINT/$BUCKET" > /dev/null 2>&1 || true
    rm -rf "$WORK"
}
[ "${KEEP:-0}" = 1 ] || trap cleanup EXIT

expect_code() { # CODE OUTPUT-OF-s3/curl: the last line is the HTTP code
    local code
    code=$(tail -n 1 <<< "$2")
    echo "  HTTP $code"
    [ "$code" = "$1" ]
}

anonymous_refused() {
    local out
    out=$(curl -sS --max-time 10 -w '\n%{http_code}\n' "$S3_ENDPOINT/$BUCKET")
    expect_code 403 "$out" && grep -q AccessDenied <<< "$out"
}
check "anonymous GET of a bucket is refused (403 AccessDenied)" anonymous_refused

check "create bucket $BUCKET" expect_code 200 "$(s3 -X PUT "$S3_ENDPOINT/$BUCKET")"

head -c 1048576 /dev/urandom > "$WORK/object.bin"
check "PUT a 1 MiB object" expect_code 200 "$(s3 -T "$WORK/object.bin" "$S3_ENDPOINT/$BUCKET/object.bin")"

get_identical() {
    local code
    code=$(curl -sS --max-time 30 --aws-sigv4 "$SIGV4" \
        --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
        -o "$WORK/back.bin" -w '%{http_code}' "$S3_ENDPOINT/$BUCKET/object.bin")
    echo "  HTTP $code, $(stat -c %s "$WORK/back.bin") bytes"
    [ "$code" = 200 ] && cmp -s "$WORK/object.bin" "$WORK/back.bin"
}
check "GET the object back identical" get_identical

list_has_object() {
    local out
    out=$(s3 "$S3_ENDPOINT/$BUCKET?list-type=2")
    expect_code 200 "$out" && grep -q '<Key>object.bin</Key><ETag>[^<]*</ETag><Size>1048576</Size>' <<< "$out"
}
check "LIST the bucket shows the object and its size" list_has_object

anonymous_object_refused() {
    expect_code 403 "$(curl -sS --max-time 10 -w '\n%{http_code}\n' "$S3_ENDPOINT/$BUCKET/object.bin")"
}
check "anonymous GET of the object is refused (403)" anonymous_object_refused

wrong_secret() {
    local out
    out=$(curl -sS --max-time 10 --aws-sigv4 "$SIGV4" --user "$AWS_ACCESS_KEY_ID:not-the-secret" \
        -w '\n%{http_code}\n' "$S3_ENDPOINT/$BUCKET/object.bin")
    expect_code 403 "$out" && grep -q '<Code>SignatureDoesNotMatch</Code>' <<< "$out"
}
check "a wrong secret is refused (403 SignatureDoesNotMatch)" wrong_secret

listening_ports() {
    local pid bind addr ok=0 s3=0
    pid=$(tr -dc '0-9' < "${PSK_STATE:-/var/lib/pyspark-k8s}/objectstore/weed.pid")
    bind=${S3_ENDPOINT#http://}
    bind=${bind%:*}
    while read -r addr; do
        case "$addr" in
            "$bind:$OBJECTSTORE_PORT" | "$bind:$((OBJECTSTORE_PORT + 10000))")
                echo "  $addr (S3)"
                s3=1
                ;;
            "$OBJECTSTORE_INTERNAL_BIND":*) echo "  $addr (internal)" ;;
            *)
                echo "  $addr NOT on $bind or $OBJECTSTORE_INTERNAL_BIND"
                ok=1
                ;;
        esac
    done < <(ss -Hltnp | awk -v p="pid=$pid," 'index($0, p) {print $4}')
    [ "$ok" = 0 ] && [ "$s3" = 1 ]
}
check "weed listens only on the bind address (S3) and the internal address" listening_ports

summary
