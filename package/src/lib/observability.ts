/**
 * What a run shows of itself besides its result: its Spark event log (for the History
 * Server) and its metrics (for Prometheus). The rules of those arguments, the Spark
 * settings and pod annotations they turn into, and where a run's pod logs are kept.
 * Pure.
 *
 * Credentials never appear in a setting: S3A reads a bucket's keys from Hadoop's
 * per-bucket options, whose values name environment variables (`${env.X}`, which Hadoop
 * expands when S3A reads them), and those variables come from a Secret by reference.
 * Per-bucket options leave a job's own S3A settings (other buckets) alone.
 */
import { z } from "zod";
import type { ConfEntry } from "./confEntry";

/** An S3 or S3-compatible store: where requests go and how they are addressed. */
export const objectStoreSchema = z.strictObject({
    endpoint: z
        .string()
        .regex(
            /^https?:\/\/[^\s/]+\/?$/,
            "must be an http(s) URL of the store, e.g. http://10.244.0.1:8333 (no path)",
        )
        .optional(),
    region: z.string().min(1).default("us-east-1"),
    pathStyle: z.boolean().default(false),
});
export type ObjectStore = z.output<typeof objectStoreSchema>;

/** `s3a://bucket/prefix` or another Hadoop file system URI: `gs://...`, `hdfs://...`. */
const HADOOP_DIR = /^([a-z][a-z0-9+.-]*):\/\/([^/\s]+)(\/[^\s]*)?$/;

/** An event-log directory as Spark takes it. */
export const eventLogDirSchema = z
    .string()
    .regex(
        HADOOP_DIR,
        "must be a Hadoop file system URI of a directory, e.g. s3a://bucket/spark-events",
    )
    .refine((dir) => !dir.startsWith("s3://"), {
        message: "s3:// is not Hadoop's S3 connector: use s3a://bucket/prefix",
    });

/** The S3A credentials provider that reads `access.key` and `secret.key`. */
export const SIMPLE_CREDENTIALS_PROVIDER = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider";

/** A Java class name (an S3A credentials provider). */
const javaClass = z
    .string()
    .regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/, "must be a fully qualified Java class name");

/** Where every run of a job writes its Spark event log. */
export const eventLogSchema = z.strictObject({
    dir: eventLogDirSchema,
    store: objectStoreSchema.default({ region: "us-east-1", pathStyle: false }),
    /** S3A's credentials provider when no keys are given (cloud identity). */
    credentialsProvider: javaClass.optional(),
});
export type EventLog = z.output<typeof eventLogSchema>;

/** Where the driver's Prometheus endpoints are: Spark's UI port. */
export const METRICS_PORT = 4040;
/** The driver's own metrics (Spark's PrometheusServlet). */
export const DRIVER_METRICS_PATH = "/metrics/prometheus";
/** The executors' metrics, as the driver aggregates them (`spark.ui.prometheus.enabled`). */
export const EXECUTOR_METRICS_PATH = "/metrics/executors/prometheus";
/** The driver container's named port (Spark's own name for it in the pods it creates). */
export const METRICS_PORT_NAME = "spark-ui";

/** Metrics of a job's runs. */
export const metricsSchema = z.strictObject({
    prometheus: z.boolean().default(false),
    podMonitor: z.boolean().default(false),
});
export type Metrics = z.output<typeof metricsSchema>;

/** An event log's place in a run's spec: the directory, the store, the keys' Secret. */
export interface EventLogPlacement extends EventLog {
    /** The Secret holding the keys (`accessKeyId`, `secretAccessKey`), if keys are used. */
    readonly secret?: string;
}

/** The name of a job's Secret of event-log keys. */
export function eventLogSecretName(job: string): string {
    return `${job}-event-log`;
}

/** The keys of a store-credentials Secret. */
export const CREDENTIAL_KEYS = { accessKeyId: "accessKeyId", secretAccessKey: "secretAccessKey" };

/** The driver's variables that carry the event-log keys (from the Secret, by reference). */
export const EVENT_LOG_ENV = {
    accessKeyId: "PSK_EVENT_LOG_ACCESS_KEY_ID",
    secretAccessKey: "PSK_EVENT_LOG_SECRET_ACCESS_KEY",
} as const;

/** The parts of a directory URI: scheme, bucket (authority) and path. */
export function dirParts(dir: string): { scheme: string; bucket: string; path: string } {
    const match = HADOOP_DIR.exec(dir);
    if (!match) throw new Error(`not a directory URI: ${dir}`);
    return { scheme: match[1], bucket: match[2], path: (match[3] ?? "").replace(/\/+$/, "") };
}

/**
 * S3A's options for one bucket: the store's address, the credentials (variables named,
 * never valued), and failing fast: one attempt, short connect timeout, so that a store
 * that cannot be reached or refuses the keys fails the run within seconds, not after
 * the SDK's minutes of retries.
 */
export function s3aBucketConf(
    bucket: string,
    store: ObjectStore,
    credentials: { provider?: string; env?: { accessKeyId: string; secretAccessKey: string } },
): ConfEntry[] {
    const key = (option: string): string => `spark.hadoop.fs.s3a.bucket.${bucket}.${option}`;
    const conf: ConfEntry[] = [];
    if (store.endpoint !== undefined) {
        conf.push([key("endpoint"), store.endpoint.replace(/\/$/, "")]);
        if (store.endpoint.startsWith("http://"))
            conf.push([key("connection.ssl.enabled"), "false"]);
    }
    conf.push([key("endpoint.region"), store.region]);
    if (store.pathStyle) conf.push([key("path.style.access"), "true"]);
    if (credentials.env) {
        conf.push(
            [key("aws.credentials.provider"), SIMPLE_CREDENTIALS_PROVIDER],
            [key("access.key"), `\${env.${credentials.env.accessKeyId}}`],
            [key("secret.key"), `\${env.${credentials.env.secretAccessKey}}`],
        );
    } else if (credentials.provider !== undefined) {
        conf.push([key("aws.credentials.provider"), credentials.provider]);
    }
    conf.push(
        [key("attempts.maximum"), "1"],
        [key("retry.limit"), "1"],
        [key("connection.establish.timeout"), "5000"],
        // Hadoop 3.3 deletes a parent's directory marker after each write; stores that keep
        // real directories refuse that, and the event-log directory must stay.
        [key("directory.marker.retention"), "keep"],
    );
    return conf;
}

/** The Spark settings that make a run write its event log (rolling, compressed). */
export function eventLogConf(eventLog: EventLogPlacement): ConfEntry[] {
    const conf: ConfEntry[] = [
        ["spark.eventLog.enabled", "true"],
        ["spark.eventLog.dir", eventLog.dir],
        ["spark.eventLog.rolling.enabled", "true"],
        ["spark.eventLog.rolling.maxFileSize", "16m"],
        ["spark.eventLog.compress", "true"],
        ["spark.eventLog.compression.codec", "zstd"],
    ];
    const { scheme, bucket } = dirParts(eventLog.dir);
    if (scheme === "s3a")
        conf.push(
            ...s3aBucketConf(bucket, eventLog.store, {
                provider: eventLog.credentialsProvider,
                ...(eventLog.secret !== undefined ? { env: EVENT_LOG_ENV } : {}),
            }),
        );
    return conf;
}

/** The Spark settings of a driver that Prometheus scrapes. */
export function metricsConf(): ConfEntry[] {
    return [
        ["spark.ui.enabled", "true"],
        ["spark.ui.port", String(METRICS_PORT)],
        // The UI port is open to the scraper: nobody may kill jobs through it.
        ["spark.ui.killEnabled", "false"],
        ["spark.ui.prometheus.enabled", "true"],
        [
            "spark.metrics.conf.*.sink.prometheusServlet.class",
            "org.apache.spark.metrics.sink.PrometheusServlet",
        ],
        ["spark.metrics.conf.*.sink.prometheusServlet.path", DRIVER_METRICS_PATH],
        ["spark.metrics.appStatusSource.enabled", "true"],
        // One metric name for every run (the default namespace is the application id);
        // the run is in the scraped pod's labels.
        ["spark.metrics.namespace", "spark"],
    ];
}

/** The annotations Prometheus' Kubernetes discovery (the common relabelling) reads. */
export function metricsAnnotations(): Record<string, string> {
    return {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": String(METRICS_PORT),
        "prometheus.io/path": DRIVER_METRICS_PATH,
    };
}

/** Spark settings the program makes for a job with these observability settings. */
export function observabilityConf(
    eventLog: EventLogPlacement | undefined,
    metrics: Pick<Metrics, "prometheus"> | undefined,
): ConfEntry[] {
    return [
        ...(eventLog ? eventLogConf(eventLog) : []),
        ...(metrics?.prometheus ? metricsConf() : []),
    ];
}

/** A job's conf keys that belong to the event log or the metrics the program sets up. */
export function observabilityConfProblems(
    conf: Readonly<Record<string, string>>,
    eventLog: EventLogPlacement | undefined,
    metrics: Pick<Metrics, "prometheus"> | undefined,
): { key: string; message: string }[] {
    const taken = new Set(observabilityConf(eventLog, metrics).map(([key]) => key));
    const bucket =
        eventLog && dirParts(eventLog.dir).scheme === "s3a"
            ? `spark.hadoop.fs.s3a.bucket.${dirParts(eventLog.dir).bucket}.`
            : undefined;
    return Object.keys(conf)
        .filter(
            (key) =>
                taken.has(key) ||
                (eventLog !== undefined && key.startsWith("spark.eventLog.")) ||
                (bucket !== undefined && key.startsWith(bucket)) ||
                (metrics?.prometheus === true && key.startsWith("spark.metrics.")),
        )
        .map((key) => ({
            key,
            message: key.startsWith("spark.hadoop.")
                ? "is the event-log bucket's S3A option, set by the program from eventLog"
                : key.startsWith("spark.eventLog.")
                  ? "is set by the program from eventLog"
                  : "is set by the program from metrics",
        }));
}

/** `s3://bucket/prefix` (the log store: the S3 API, not a Hadoop file system). */
export const logStoreDirSchema = z
    .string()
    .regex(
        /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/,
        "must be s3://bucket/prefix (an S3 bucket name, then an optional prefix)",
    );

/** The bucket and the key prefix (no leading or trailing '/') of an `s3://` directory. */
export function s3Location(dir: string): { bucket: string; prefix: string } {
    const match = /^s3:\/\/([^/]+)(\/.*)?$/.exec(dir);
    if (!match) throw new Error(`not an s3:// directory: ${dir}`);
    return { bucket: match[1], prefix: (match[2] ?? "").replace(/^\/+|\/+$/g, "") };
}

/**
 * Where the log keeper writes a run's pod logs: `<dir>/<namespace>/<run>/`, one object
 * per pod (`<pod>.log`). The keeper's script (scripts/log-keeper.py) uses the same layout.
 */
export function runLogsLocation(dir: string, namespace: string, run: string): string {
    const { bucket, prefix } = s3Location(dir);
    return `s3://${bucket}/${prefix ? `${prefix}/` : ""}${namespace}/${run}/`;
}

/** The History Server's page of one application (no attempt id: Kubernetes runs have none). */
export function historyRunUrl(serverUrl: string, appId: string): string {
    return `${serverUrl.replace(/\/+$/, "")}/history/${appId}/jobs/`;
}

/** The application id in a driver log: the event log's file, or Spark's executor lines. */
export function appIdFromLog(log: string): string | undefined {
    const patterns = [
        /Logging events to \S*?eventlog_v2_(spark-[0-9a-f]+)\//,
        /Logging events to \S*\/(spark-[0-9a-f]{32})/,
        /\b(spark-[0-9a-f]{32})\b/,
    ];
    for (const pattern of patterns) {
        const found = pattern.exec(log)?.[1];
        if (found) return found;
    }
    return undefined;
}

/** The label Spark puts on the pods of an application: its id. */
export const APP_ID_LABEL = "spark-app-selector";

/**
 * What a failed run's driver log says about its event-log directory, naming the setting;
 * undefined if the log shows no such problem.
 */
export function eventLogProblem(log: string, dir: string): string | undefined {
    const lines = log.split(/\r?\n/);
    const { bucket } = dirParts(dir);
    const line = lines.find(
        (l) =>
            /Exception|Error/.test(l) &&
            (l.includes(dir) || l.includes(`s3a://${bucket}`)) &&
            !/^\s+at /.test(l),
    );
    if (!line) return undefined;
    const why = line
        .replace(/^.*?((java|org|com|software)\.[\w.$]*(Exception|Error)\b)/, "$1")
        .slice(0, 400);
    return `its event-log directory ${dir} (eventLog.dir) could not be used: ${why}. Check that the directory exists, that the store (eventLog.store) is reachable from the cluster and that the keys may write there.`;
}
