#!/usr/bin/env bash
# A small S3 client for the local object store: requests signed (SigV4) with its keys by
# curl's --aws-sigv4, which gets the keys on its stdin (a config line), never on its
# command line. Each request carries x-amz-content-sha256, the payload's hash, as SigV4
# for S3 requires.
#
# Usage: s3.sh env | put BUCKET KEY FILE | get BUCKET KEY OUT | list BUCKET [PREFIX]
#   env                   S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
#                         as KEY=value lines
#   put BUCKET KEY FILE   upload FILE (creating BUCKET if needed)
#   get BUCKET KEY OUT    download an object into the file OUT
#   list BUCKET [PREFIX]  the keys under PREFIX, one a line
set -euo pipefail
# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

# s3_curl PAYLOAD-SHA256 ARGS...: curl signed with the store's keys.
s3_curl() {
    local sha=$1
    shift
    printf 'user = "%s:%s"\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" \
        | curl -sS --max-time 120 -K - --aws-sigv4 "aws:amz:$OBJECTSTORE_REGION:s3" \
            -H "x-amz-content-sha256: $sha" "$@"
}

# s3_request WHAT EXPECTED-CODES PAYLOAD-SHA256 ARGS...: a signed request that must answer
# one of the codes (e.g. "200|409"); dies with S3's answer otherwise.
s3_request() {
    local what=$1 codes=$2 sha=$3 out code
    shift 3
    out=$(s3_curl "$sha" -w '\n%{http_code}' "$@") || die "$what: curl failed"
    code=${out##*$'\n'}
    [[ "$code" =~ ^($codes)$ ]] || die "$what: HTTP $code: ${out%$'\n'*}"
}

# uri_encode STRING: percent-encodes all but unreserved characters, as SigV4's canonical
# query string has them (curl signs the query as written: a raw '/' would not match).
uri_encode() {
    local s=$1 out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case "$c" in
            [A-Za-z0-9._~-]) out+=$c ;;
            *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s' "$out"
}

cmd_env() {
    resolve_bind
    load_credentials
    printf 'S3_ENDPOINT=%s\n' "$(s3_url)"
    printf 'AWS_ACCESS_KEY_ID=%s\n' "$AWS_ACCESS_KEY_ID"
    printf 'AWS_SECRET_ACCESS_KEY=%s\n' "$AWS_SECRET_ACCESS_KEY"
    printf 'AWS_REGION=%s\n' "$OBJECTSTORE_REGION"
}

cmd_put() { # BUCKET KEY FILE
    [ $# -eq 3 ] || die "usage: objectstore.sh put BUCKET KEY FILE"
    [ -f "$3" ] || die "put: no file $3"
    resolve_bind
    load_credentials
    s3_request "create bucket $1" "200|409" "$EMPTY_SHA256" -X PUT "$(s3_url)/$1"
    local sha body=(-T "$3")
    sha=$(sha256sum < "$3" | cut -d' ' -f1)
    # curl -T appends the file's name to a URL ending in '/': a KEY like "events/" (a
    # directory marker) goes as the request body instead.
    if [ "${2%/}" != "$2" ]; then body=(-X PUT -H "Content-Type: application/octet-stream" --data-binary "@$3"); fi
    s3_request "put $1/$2" "200" "$sha" "${body[@]}" "$(s3_url)/$1/$2"
    log "uploaded $3 to s3://$1/$2"
}

cmd_get() { # BUCKET KEY OUT
    [ $# -eq 3 ] || die "usage: objectstore.sh get BUCKET KEY OUT"
    resolve_bind
    load_credentials
    s3_request "get $1/$2" "200" "$EMPTY_SHA256" -o "$3" "$(s3_url)/$1/$2"
}

cmd_list() { # BUCKET [PREFIX]
    [ $# -ge 1 ] || die "usage: objectstore.sh list BUCKET [PREFIX]"
    local out token="" page
    resolve_bind
    load_credentials
    # ListObjectsV2, following continuation tokens (1000 keys a page)
    while :; do
        page="list-type=2&prefix=$(uri_encode "${2:-}")"
        [ -z "$token" ] || page="continuation-token=$(uri_encode "$token")&$page"
        out=$(s3_curl "$EMPTY_SHA256" -f "$(s3_url)/$1?$page") || die "list $1: request failed"
        printf '%s' "$out" | grep -o '<Key>[^<]*</Key>' | sed 's/<Key>\(.*\)<\/Key>/\1/' || true
        token=$(printf '%s' "$out" | sed -n 's/.*<NextContinuationToken>\([^<]*\)<\/NextContinuationToken>.*/\1/p')
        [ -n "$token" ] || break
    done
}

main() {
    local cmd=${1:-}
    [ $# -gt 0 ] && shift
    case "$cmd" in
        env) cmd_env ;;
        put) cmd_put "$@" ;;
        get) cmd_get "$@" ;;
        list) cmd_list "$@" ;;
        *) die "usage: s3.sh env | put BUCKET KEY FILE | get BUCKET KEY OUT | list BUCKET [PREFIX]" ;;
    esac
}

main "$@"
