#!/usr/bin/env bash
# Checks the Spark base images' container contract without Kubernetes, with `docker run`
# against the project's dockerd (images.sh up --spark4 must have run: plain `up` builds the
# Spark 3.5 image only).
#   test-spark-base.sh             both images: the digest references written by images.sh up
#                                  (spark-base.ref: Spark 3.5, spark4-base.ref: Spark 4; the
#                                  tags from versions.env if a ref file is missing)
#   test-spark-base.sh IMAGE...    these images; the expected pyspark version is the image's
#                                  org.opencontainers.image.version label
# Containers run with --network none: Spark in local mode needs only loopback.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=env.sh disable=SC1091
. "$HERE/env.sh"
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
chmod 0755 "$WORK"
passed=0
failed=0
LABEL="" # the version under test, prefixed to every result line
ok() {
    passed=$((passed + 1))
    printf 'ok   - %s%s\n' "${LABEL:+[$LABEL] }" "$1"
}
nok() {
    failed=$((failed + 1))
    printf 'FAIL - %s%s\n' "${LABEL:+[$LABEL] }" "$1"
    if [ -n "${2:-}" ]; then sed 's/^/       | /' "$2" | tail -n 25; fi
}
# like a pod: the hostname resolves (to loopback here; to the pod IP on Kubernetes)
NET=(--network none --hostname psk-test --add-host psk-test:127.0.0.1)
run() { "$DOCKER" run --rm "${NET[@]}" "$@"; }

# pyspark from PyPI: Spark 3.x jars are built for Scala 2.12, Spark 4.x for Scala 2.13
scala_version() {
    case "$1" in
        3.*) echo 2.12 ;;
        *) echo 2.13 ;;
    esac
}

# app and conf mounted into the driver tests (the same for every image)
mkdir -p "$WORK/conf" "$WORK/app"
cat > "$WORK/conf/spark.properties" << 'EOF'
spark.master=local[2]
spark.app.name=psk-contract-test
spark.ui.enabled=false
spark.driver.host=127.0.0.1
spark.sql.shuffle.partitions=4
EOF
cat > "$WORK/app/app.py" << 'EOF'
import sys
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
total = spark.range(1, n + 1).selectExpr("sum(id * id) AS s").collect()[0]["s"]
# the Python workers run on "executors" (local threads) as well:
parts = spark.sparkContext.parallelize(range(n), 4).map(lambda x: x % 7).distinct().count()
print(f"RESULT sum_of_squares={total} distinct_mod7={parts} user={spark.sparkContext.sparkUser()}")
spark.stop()
EOF
chmod -R a+rX "$WORK/conf" "$WORK/app"

ensure_local() { # IMAGE: pull it from the local registry unless dockerd has it
    $DOCKER image inspect "$1" > /dev/null 2>&1 || $DOCKER pull -q "$1" > /dev/null
}

test_image() { # IMAGE PYSPARK-VERSION
    local IMG=$1 PYSPARK_VERSION=$2 SCALA out meta t0 expected
    SCALA=$(scala_version "$PYSPARK_VERSION")
    LABEL=$PYSPARK_VERSION
    echo "# image: $IMG (pyspark $PYSPARK_VERSION, Scala $SCALA)"
    ensure_local "$IMG"

    # --- image metadata ----------------------------------------------------------------------
    meta=$($DOCKER image inspect -f '{{.Config.User}}|{{.Config.WorkingDir}}|{{index .Config.Labels "io.pyspark-k8s.built-locally"}}|{{json .Config.Entrypoint}}|{{index .Config.Labels "org.opencontainers.image.version"}}' "$IMG")
    if [ "$meta" = "185|/opt/spark/work-dir|true|[\"/opt/entrypoint.sh\"]|$PYSPARK_VERSION" ]; then
        ok "metadata: user 185, workdir, labels (version $PYSPARK_VERSION), entrypoint"
    else
        echo "$meta" > "$WORK/meta"
        nok "metadata" "$WORK/meta"
    fi

    # --- pass-through -------------------------------------------------------------------------
    out=$WORK/pass.out
    # shellcheck disable=SC2016 # expanded inside the container
    if run "$IMG" bash -c 'id -un; id -u; python3 -c "import pyspark; print(pyspark.__version__)"; echo "$SPARK_HOME"; ls "$SPARK_HOME"/jars/spark-kubernetes_*.jar; ls /opt/spark/examples/src/main/python/pi.py; java -version 2>&1 | head -n1' > "$out" 2>&1 \
        && grep -qx spark "$out" && grep -qx 185 "$out" && grep -qx "$PYSPARK_VERSION" "$out" \
        && grep -q "spark-kubernetes_$SCALA-$PYSPARK_VERSION.jar" "$out" && grep -q 'openjdk version "17' "$out"; then
        ok "pass-through: user spark/185, pyspark $PYSPARK_VERSION, spark-kubernetes_$SCALA jar, examples, java 17"
    else nok "pass-through" "$out"; fi

    if run "$IMG" spark-submit --version > "$out" 2>&1 && grep -q "version $PYSPARK_VERSION" "$out"; then
        ok "pass-through: spark-submit --version reports $PYSPARK_VERSION"
    else nok "spark-submit --version" "$out"; fi

    # how the project runs spark-submit inside pods: a shell that execs it from $SPARK_HOME
    # shellcheck disable=SC2016 # expanded inside the container
    if run "$IMG" sh -c 'exec "$SPARK_HOME/bin/spark-submit" --version' > "$out" 2>&1 \
        && grep -q "version $PYSPARK_VERSION" "$out" && grep -q "Scala version $SCALA" "$out"; then
        ok "pass-through: sh -c 'exec \"\$SPARK_HOME/bin/spark-submit\" --version' reports $PYSPARK_VERSION (Scala $SCALA)"
    else nok "sh -c 'exec \"\$SPARK_HOME/bin/spark-submit\" --version'" "$out"; fi

    # --- driver, shaped like Spark on Kubernetes (properties file + PythonRunner) -------------
    t0=$(date +%s)
    if run -v "$WORK/conf:/opt/spark/conf:ro" -e SPARK_CONF_DIR=/opt/spark/conf \
        -e SPARK_DRIVER_BIND_ADDRESS=127.0.0.1 -e PSK_ENTRYPOINT_DEBUG=1 "$IMG" \
        driver --properties-file /opt/spark/conf/spark.properties \
        --class org.apache.spark.deploy.PythonRunner \
        local:///opt/spark/examples/src/main/python/pi.py 4 > "$out" 2>&1 \
        && grep -q 'Pi is roughly 3\.1' "$out" && grep -q -- '--deploy-mode' "$out"; then
        ok "driver (k8s-shaped args, shipped pi.py): $(grep -o 'Pi is roughly [0-9.]*' "$out") in $(($(date +%s) - t0))s"
    else nok "driver with properties file and pi.py" "$out"; fi

    # arbitrary uid without passwd entry (nss_wrapper path), app mounted from outside
    expected=$((1000 * 1001 * 2001 / 6))
    if run --user 4242:0 -v "$WORK/app:/app:ro" "$IMG" \
        driver --master 'local[2]' --conf spark.ui.enabled=false --conf spark.driver.host=127.0.0.1 \
        /app/app.py 1000 > "$out" 2>&1 \
        && grep -q "RESULT sum_of_squares=$expected distinct_mod7=7 user=spark-4242" "$out"; then
        ok "driver as uid 4242 without passwd entry: $(grep -o 'RESULT.*' "$out")"
    else nok "driver as arbitrary uid" "$out"; fi

    # --- executor: the java command built from the env the driver sets ------------------------
    local exec_env=(
        -e SPARK_DRIVER_URL=spark://CoarseGrainedScheduler@127.0.0.1:7078
        -e SPARK_EXECUTOR_ID=1 -e SPARK_EXECUTOR_CORES=1 -e SPARK_EXECUTOR_MEMORY=512m
        -e SPARK_APPLICATION_ID=spark-0123456789 -e SPARK_EXECUTOR_POD_IP=127.0.0.1
        -e SPARK_EXECUTOR_POD_NAME=psk-test-exec-1 -e SPARK_RESOURCE_PROFILE_ID=0
        -e SPARK_CONF_DIR=/opt/spark/conf -e SPARK_CLASSPATH=/opt/extra/lib.jar
        -e SPARK_JAVA_OPT_0=-Dspark.driver.port=7078
        -e "SPARK_JAVA_OPT_2=-Dpsk.opt=two words"
        -e SPARK_JAVA_OPT_10=-Dpsk.last=10
    )
    if run "${exec_env[@]}" -e PSK_ENTRYPOINT_DRY_RUN=1 "$IMG" executor > "$out" 2>&1; then
        echo "# executor command (dry run):"
        sed 's/^/#   /' "$out"
        if tr -d '\n' < "$out" | grep -q -- "-Dspark.driver.port=7078 *-Dpsk.opt=two\\\\ words *-Dpsk.last=10 *-Xms512m *-Xmx512m *-cp */opt/spark/conf:/opt/extra/lib.jar:/opt/venv/lib/python3.11/site-packages/pyspark/jars/\\\\\\* *org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend *--driver-url *spark://CoarseGrainedScheduler@127.0.0.1:7078 *--executor-id *1 *--cores *1 *--app-id *spark-0123456789 *--hostname *127.0.0.1 *--resourceProfileId *0 *--podName *psk-test-exec-1"; then
            ok "executor: java command line (opts in numeric order, classpath, backend args)"
        else nok "executor command line not as expected" "$out"; fi
    else nok "executor dry run" "$out"; fi

    t0=$(date +%s)
    if timeout 240 "$DOCKER" run --rm "${NET[@]}" "${exec_env[@]}" -e PSK_ENTRYPOINT_DEBUG=1 "$IMG" executor > "$out" 2>&1; then
        nok "executor without a driver should fail" "$out"
    elif grep -q 'KubernetesExecutorBackend' "$out" && grep -qiE 'Connection refused|Failed to connect' "$out"; then
        ok "executor really starts the JVM and fails to reach the (absent) driver after $(($(date +%s) - t0))s"
    else nok "executor run: unexpected output" "$out"; fi

    if run -e SPARK_EXECUTOR_ID=1 "$IMG" executor > "$out" 2>&1; then
        nok "executor with missing env should fail" "$out"
    elif grep -q 'SPARK_DRIVER_URL' "$out"; then
        ok "executor with missing env: clear error ($(grep -o 'needs.*' "$out" | cut -c1-60)...)"
    else nok "executor missing env message" "$out"; fi

    # --- misc ---------------------------------------------------------------------------------
    if run "$IMG" /opt/decom.sh > "$out" 2>&1 && grep -q 'nothing to decommission' "$out"; then
        ok "decom.sh present, no executor -> exit 0"
    else nok "decom.sh" "$out"; fi

    if run "$IMG" > "$out" 2>&1; then
        nok "no arguments should print usage and fail" "$out"
    elif grep -q usage "$out"; then
        ok "no arguments: usage"
    else nok "no-argument usage" "$out"; fi
    LABEL=""
}

pin() { sed -n "s/^$1=//p" "$HERE/versions.env"; }

main() {
    local images=() versions=() img v i p0 f0
    if [ $# -gt 0 ]; then
        for img in "$@"; do
            ensure_local "$img"
            v=$($DOCKER image inspect -f '{{index .Config.Labels "org.opencontainers.image.version"}}' "$img")
            if [ -z "$v" ] || [ "$v" = "<no value>" ]; then
                echo "$img has no org.opencontainers.image.version label" >&2
                exit 2
            fi
            images+=("$img")
            versions+=("$v")
        done
    else
        images=("${SPARK_BASE_IMAGE:-$SPARK_BASE_IMAGE_TAG}" "${SPARK4_BASE_IMAGE:-$SPARK4_BASE_IMAGE_TAG}")
        versions=("$(pin PYSPARK_VERSION)" "$(pin SPARK4_PYSPARK_VERSION)")
    fi
    local summary=()
    for i in "${!images[@]}"; do
        p0=$passed
        f0=$failed
        test_image "${images[$i]}" "${versions[$i]}"
        summary+=("${versions[$i]}: $((passed - p0)) passed, $((failed - f0)) failed (${images[$i]})")
    done
    printf '# %s\n' "${summary[@]}"
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}

main "$@"
