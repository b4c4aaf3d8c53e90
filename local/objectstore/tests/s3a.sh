#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Hadoop S3A (hadoop-aws 3.3.4 with AWS SDK v1, path-style, the connector of the local
# stack's Spark 3.5.7) against a running local object store: s3a_check.py through
# spark-submit in local mode (multipart upload, get, head, ListObjectsV2, multipart copy,
# delete), with Spark's event log written to the store; then a Spark History Server (on
# 127.0.0.1) reading that event log from the store lists the application. Needs the
# toolchain (toolchain/build.sh: spark-submit, Java); spark-submit resolves hadoop-aws and
# its SDK bundle from Maven into ~/.ivy2 on first use (about 280 MB).
# Prints "N passed, N failed"; non-zero on any failure.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$HERE/../../..
STORE=$HERE/../objectstore.sh
# shellcheck source=../../cluster/tests/check.sh
. "$HERE/../../cluster/tests/check.sh"
# shellcheck source=../../../toolchain/env.sh
. "$ROOT/toolchain/env.sh"
[ -x "$SPARK_HOME/bin/spark-submit" ] || {
    echo "no spark-submit under SPARK_HOME=$SPARK_HOME: run toolchain/build.sh" >&2
    exit 1
}
bash "$STORE" status > /dev/null || {
    echo "object store not running: run local/objectstore/objectstore.sh up" >&2
    exit 1
}
while IFS='=' read -r key value; do
    case "$key" in
        S3_ENDPOINT | AWS_ACCESS_KEY_ID | AWS_SECRET_ACCESS_KEY | AWS_REGION) printf -v "$key" '%s' "$value" ;;
    esac
done < <(bash "$STORE" env)
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

BUCKET=psk-s3a-$(date +%s)-$$
HS_PORT=${S3A_TEST_HISTORY_PORT:-18180}
WORK=$(mktemp -d)
hs_pid=""
cleanup() {
    if [ -n "$hs_pid" ] && kill -0 "$hs_pid" 2> /dev/null; then
        kill -TERM "$hs_pid" 2> /dev/null || true
        wait "$hs_pid" 2> /dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

S3A=(spark.hadoop.fs.s3a.endpoint="$S3_ENDPOINT" spark.hadoop.fs.s3a.endpoint.region="$AWS_REGION"
    spark.hadoop.fs.s3a.path.style.access=true spark.hadoop.fs.s3a.connection.ssl.enabled=false
    spark.hadoop.fs.s3a.aws.credentials.provider=com.amazonaws.auth.EnvironmentVariableCredentialsProvider
    spark.hadoop.fs.s3a.attempts.maximum=2 spark.hadoop.fs.s3a.retry.limit=2)
conf_args() {
    local kv
    for kv in "${S3A[@]}" "$@"; do printf -- '--conf\n%s\n' "$kv"; done
}

# The bucket and the event log "directory" (a marker object), created through the S3 API.
: > "$WORK/empty"
bash "$STORE" put "$BUCKET" events/.keep "$WORK/empty" 2> /dev/null

spark_job() {
    local args
    mapfile -t args < <(conf_args spark.hadoop.fs.s3a.multipart.threshold=5M spark.hadoop.fs.s3a.multipart.size=5M \
        spark.eventLog.enabled=true "spark.eventLog.dir=s3a://$BUCKET/events" spark.ui.enabled=false)
    SPARK_LOCAL_IP=127.0.0.1 "$SPARK_HOME/bin/spark-submit" --master 'local[2]' \
        --packages org.apache.hadoop:hadoop-aws:3.3.4 "${args[@]}" "$HERE/s3a_check.py" "$BUCKET" \
        > "$WORK/job.log" 2>&1
    local status=$?
    grep '^ok: ' "$WORK/job.log" | sed 's/^/  /'
    [ "$status" = 0 ] || tail -n 30 "$WORK/job.log" | sed 's/^/  | /'
    return "$status"
}
check "S3A: Parquet write (multipart), read, overwrite, rename (multipart copy), list, delete" spark_job

history_server_lists_app() {
    local jars opts=() kv i out
    jars=$(find "$HOME/.ivy2/jars" -name '*.jar' | paste -sd:)
    for kv in "${S3A[@]}" "spark.history.fs.logDirectory=s3a://$BUCKET/events" "spark.history.ui.port=$HS_PORT" \
        spark.history.fs.update.interval=2s; do opts+=("-D$kv"); done
    SPARK_LOCAL_IP=127.0.0.1 SPARK_DIST_CLASSPATH=$jars SPARK_HISTORY_OPTS="${opts[*]}" \
        "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.history.HistoryServer > "$WORK/history.log" 2>&1 &
    hs_pid=$!
    for ((i = 0; i < 60; i++)); do
        out=$(curl -sf --max-time 5 "http://127.0.0.1:$HS_PORT/api/v1/applications" 2> /dev/null || true)
        if grep -q '"name" : "psk-s3a-check"' <<< "$out"; then
            echo "  the History Server lists $(grep -o '"id" : "[^"]*"' <<< "$out" | head -n 1)"
            return 0
        fi
        kill -0 "$hs_pid" 2> /dev/null || break
        sleep 2
    done
    tail -n 20 "$WORK/history.log" | sed 's/^/  | /'
    return 1
}
check "Spark History Server reads the event log from the store" history_server_lists_app

# the bucket's leftovers (the event log, the marker) and the bucket
delete_bucket() {
    local key
    while read -r key; do
        [ -n "$key" ] || continue
        printf 'user = "%s:%s"\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" | curl -sS -o /dev/null -K - \
            --aws-sigv4 "aws:amz:$AWS_REGION:s3" -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
            -X DELETE "$S3_ENDPOINT/$BUCKET/$key"
    done < <(bash "$STORE" list "$BUCKET")
    printf 'user = "%s:%s"\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" | curl -sS -o /dev/null -K - \
        --aws-sigv4 "aws:amz:$AWS_REGION:s3" -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
        -X DELETE "$S3_ENDPOINT/$BUCKET"
}
delete_bucket || true

summary
