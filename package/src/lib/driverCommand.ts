/**
 * The command of a run's driver container: the image's spark-submit, watched by a small
 * bash script that tells the Job a driver lost to an unreachable Kubernetes API apart
 * from an application's failure. Such a driver exits with {@link LOST_API_EXIT_CODE},
 * which the Job's podFailurePolicy does not count against the application's retries.
 * Pure: the script as text.
 */
import { LOST_API_EXIT_CODE } from "./runState";

/**
 * What the Kubernetes client in Spark's driver logs when it cannot reach the API server:
 * a client exception caused by a connection that failed.
 */
const LOST_API_PATTERN =
    "KubernetesClientException.*(Failed to connect|Connection refused|connect timed out|timeout|No route to host|Connection reset|UnknownHostException)|(ConnectException|SocketTimeoutException|UnknownHostException).*(kubernetes\\.default|:443|:6443)";

/**
 * bash: runs spark-submit (wherever the image's SPARK_HOME is) with its output teed to a
 * scratch file, forwards SIGTERM and SIGINT to it (a Job's deadline or deletion stops the
 * JVM gracefully), and maps a failure whose log shows the lost API to the special code.
 */
export const DRIVER_SCRIPT = [
    "log=/tmp/spark-submit.log",
    '"${SPARK_HOME:-/opt/spark}/bin/spark-submit" "$@" > >(tee "$log") 2>&1 &',
    "pid=$!",
    "trap 'kill -TERM \"$pid\" 2>/dev/null' TERM INT",
    "code=0",
    // wait returns early for a trapped signal: wait again until spark-submit has ended.
    'while wait "$pid"; code=$?; kill -0 "$pid" 2>/dev/null; do :; done',
    // On failure, give tee a moment to write the last lines before reading them.
    '[ "$code" -eq 0 ] || sleep 1',
    `if [ "$code" -ne 0 ] && tail -n 300 "$log" | grep -Eq '${LOST_API_PATTERN}'; then`,
    `  echo "the driver lost the Kubernetes API; exiting ${LOST_API_EXIT_CODE} so the Job does not count this attempt" >&2`,
    `  exit ${LOST_API_EXIT_CODE}`,
    "fi",
    'exit "$code"',
].join("\n");

/** The driver container's args: the image's entrypoint passes a command through. */
export function driverCommand(submitArgs: readonly string[]): string[] {
    return ["/bin/bash", "-c", DRIVER_SCRIPT, "spark-submit", ...submitArgs];
}
