#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Smoke test of a running local object store (local/objectstore/objectstore.sh up first):
# anonymous access refused, a bucket created, an object put, read back identical and listed
# with the store's keys, a wrong secret refused with SignatureDoesNotMatch, and the store's
# only listening socket on the bind address. Signs with curl's --aws-sigv4. Prints
# "N passed, N failed"; non-zero on any failure.
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
# The store's address and keys: KEY=value lines, read as data (never evaluated).
while IFS='=' read -r key value; do
    case "$key" in
        S3_ENDPOINT | AWS_ACCESS_KEY_ID | AWS_SECRET_ACCESS_KEY | AWS_REGION) printf -v "$key" '%s' "$value" ;;
    esac
done < <(bash "$STORE" env)
SIGV4="aws:amz:$AWS_REGION:s3"
EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
BUCKET=psk-smoke-$(date +%s)-$$
WORK=$(mktemp -d)
echo "endpoint $S3_ENDPOINT, bucket $BUCKET"

s3() { # SHA256 [CURL ARGS...] URL: signed request; prints the body, then the HTTP code on a line
    local sha=$1
    shift
    curl -sS --max-time 30 --aws-sigv4 "$SIGV4" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
        -H "x-amz-content-sha256: $sha" -w '\n%{http_code}\n' "$@"
}

cleanup() {
    s3 "$EMPTY" -X DELETE "$S3_ENDPOINT/$BUCKET/object.bin" > /dev/null 2>&1 || true
    s3 "$EMPTY" -X DELETE "$S3_ENDPOINT/$BUCKET" > /dev/null 2>&1 || true
    rm -rf "$WORK"
}
[ "${KEEP:-0}" = 1 ] || trap cleanup EXIT

expect_code() { # CODE OUTPUT-OF-s3/curl: the last line is the HTTP code
    local code
    code=$(tail -n 1 <<< "$2")
    echo "  HTTP $code"
    [ "$code" = "$1" ]
}

anonymous_refused() { # URL [CURL ARGS...]
    local out url=$1
    shift
    out=$(curl -sS --max-time 10 -w '\n%{http_code}\n' "$@" "$url")
    expect_code 403 "$out" && grep -q AccessDenied <<< "$out"
}
check "anonymous listing of the buckets is refused (403 AccessDenied)" anonymous_refused "$S3_ENDPOINT/"
check "anonymous creation of a bucket is refused (403 AccessDenied)" anonymous_refused "$S3_ENDPOINT/$BUCKET" -X PUT

check "create bucket $BUCKET" expect_code 200 "$(s3 "$EMPTY" -X PUT "$S3_ENDPOINT/$BUCKET")"
check "anonymous GET of the bucket is refused (403 AccessDenied)" anonymous_refused "$S3_ENDPOINT/$BUCKET"

head -c 1048576 /dev/urandom > "$WORK/object.bin"
SHA=$(sha256sum < "$WORK/object.bin" | cut -d' ' -f1)
check "PUT a 1 MiB object" expect_code 200 "$(s3 "$SHA" -T "$WORK/object.bin" "$S3_ENDPOINT/$BUCKET/object.bin")"
check "anonymous PUT of an object is refused (403 AccessDenied)" anonymous_refused "$S3_ENDPOINT/$BUCKET/anonymous.bin" -T "$WORK/object.bin"

get_identical() {
    local code
    code=$(curl -sS --max-time 30 --aws-sigv4 "$SIGV4" \
        --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-content-sha256: $EMPTY" \
        -o "$WORK/back.bin" -w '%{http_code}' "$S3_ENDPOINT/$BUCKET/object.bin")
    echo "  HTTP $code, $(stat -c %s "$WORK/back.bin") bytes"
    [ "$code" = 200 ] && cmp -s "$WORK/object.bin" "$WORK/back.bin"
}
check "GET the object back identical" get_identical

list_has_object() {
    local out
    out=$(s3 "$EMPTY" "$S3_ENDPOINT/$BUCKET?list-type=2")
    expect_code 200 "$out" && grep -q '<Key>object.bin</Key>' <<< "$out" && grep -q '<Size>1048576</Size>' <<< "$out"
}
check "LIST (v2) the bucket shows the object and its size" list_has_object

check "anonymous GET of the object is refused (403 AccessDenied)" anonymous_refused "$S3_ENDPOINT/$BUCKET/object.bin"

wrong_secret() {
    local out
    out=$(curl -sS --max-time 10 --aws-sigv4 "$SIGV4" --user "$AWS_ACCESS_KEY_ID:not-the-secret" \
        -H "x-amz-content-sha256: $EMPTY" -w '\n%{http_code}\n' "$S3_ENDPOINT/$BUCKET/object.bin")
    expect_code 403 "$out" && grep -q '<Code>SignatureDoesNotMatch</Code>' <<< "$out"
}
check "a wrong secret is refused (403 SignatureDoesNotMatch)" wrong_secret

listening_ports() {
    local pid addr ok=0 s3=0 bind=${S3_ENDPOINT#http://}
    pid=$(tr -dc '0-9' < "${PSK_STATE:-/var/lib/pyspark-k8s}/objectstore/s3gw.pid")
    while read -r addr; do
        if [ "$addr" = "$bind" ]; then
            echo "  $addr (S3)"
            s3=1
        else
            echo "  $addr NOT the bind address $bind"
            ok=1
        fi
    done < <(ss -Hltnp | awk -v p="pid=$pid," 'index($0, p) {print $4}')
    [ "$ok" = 0 ] && [ "$s3" = 1 ]
}
check "the store listens on the bind address only (one TCP port)" listening_ports

summary
