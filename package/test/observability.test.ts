import { runAppId } from "../src/runner/attach";
import {
    EVENT_LOG_ENV,
    appIdFromLog,
    eventLogConf,
    eventLogDirSchema,
    eventLogProblem,
    historyRunUrl,
    logStoreDirSchema,
    metricsAnnotations,
    observabilityConf,
    observabilityConfProblems,
    runLogsLocation,
} from "../src/lib/observability";
import { driverPodTemplate, runName } from "../src/lib/jobPod";
import { jobSettingsSchema } from "../src/lib/jobSettings";
import {
    executorPodTemplate,
    jobNetworkPolicy,
    localDriverPodTemplate,
} from "../src/lib/podTemplate";
import { runSpec } from "../src/lib/runSpec";
import { sparkSubmitArgs } from "../src/lib/submit";

const STORE = { endpoint: "http://10.244.0.1:8333", region: "us-east-1", pathStyle: true };
const EVENT_LOG = { dir: "s3a://psk-history/events", store: STORE, secret: "pi-event-log" };
const APP_ID = "spark-0123456789abcdef0123456789abcdef";

const spec = (extra: Record<string, unknown> = {}) =>
    runSpec(jobSettingsSchema.parse({ app: "jobs/pi.py" }), {
        project: "p",
        stack: "s",
        job: "pi",
        namespace: "spark",
        serviceAccountName: "spark-driver",
        image: "img@sha256:x",
        runAsUser: 185,
        cluster: {},
        ...extra,
    });

describe("the event log", () => {
    it("is written rolling and compressed, with the bucket's own S3A options naming variables, never keys", () => {
        const conf = Object.fromEntries(eventLogConf(EVENT_LOG));
        const bucket = "spark.hadoop.fs.s3a.bucket.psk-history";
        expect(conf).toMatchObject({
            "spark.eventLog.enabled": "true",
            "spark.eventLog.dir": "s3a://psk-history/events",
            "spark.eventLog.rolling.enabled": "true",
            "spark.eventLog.compress": "true",
            [`${bucket}.endpoint`]: "http://10.244.0.1:8333",
            [`${bucket}.connection.ssl.enabled`]: "false",
            [`${bucket}.path.style.access`]: "true",
            [`${bucket}.aws.credentials.provider`]:
                "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
            [`${bucket}.access.key`]: `\${env.${EVENT_LOG_ENV.accessKeyId}}`,
            [`${bucket}.secret.key`]: `\${env.${EVENT_LOG_ENV.secretAccessKey}}`,
            // A store that cannot be reached or refuses the keys fails at once.
            [`${bucket}.attempts.maximum`]: "1",
            [`${bucket}.retry.limit`]: "1",
        });
        // Only this bucket's options: a job's own S3A settings for other buckets stay.
        expect(
            Object.keys(conf).filter(
                (k) => k.startsWith("spark.hadoop.") && !k.startsWith(`${bucket}.`),
            ),
        ).toEqual([]);
    });

    it("without keys uses the given credentials provider (cloud identity), and sets no key option", () => {
        const conf = Object.fromEntries(
            eventLogConf({
                dir: "s3a://b/e",
                store: { region: "eu-west-1", pathStyle: false },
                credentialsProvider: "com.amazonaws.auth.WebIdentityTokenCredentialsProvider",
            }),
        );
        expect(conf["spark.hadoop.fs.s3a.bucket.b.aws.credentials.provider"]).toBe(
            "com.amazonaws.auth.WebIdentityTokenCredentialsProvider",
        );
        expect(conf["spark.hadoop.fs.s3a.bucket.b.endpoint.region"]).toBe("eu-west-1");
        expect(Object.keys(conf).some((k) => /access\.key|secret\.key|endpoint$/.test(k))).toBe(
            false,
        );
    });

    it("on another file system (GCS connector) sets no S3A option", () => {
        const conf = eventLogConf({
            dir: "gs://bucket/events",
            store: { region: "us-east-1", pathStyle: false },
        });
        expect(conf.filter(([k]) => k.startsWith("spark.hadoop."))).toEqual([]);
    });

    it("directories: Hadoop URIs; s3:// is refused for Hadoop's s3a://", () => {
        expect(eventLogDirSchema.safeParse("s3a://b/events").success).toBe(true);
        expect(eventLogDirSchema.safeParse("gs://b/events").success).toBe(true);
        expect(eventLogDirSchema.safeParse("s3://b/events").error?.issues[0].message).toMatch(
            /use s3a:\/\/bucket\/prefix/,
        );
        expect(logStoreDirSchema.safeParse("s3://psk-history/logs").success).toBe(true);
        expect(logStoreDirSchema.safeParse("s3a://psk-history/logs").success).toBe(false);
    });

    it("reaches both submitters' spark-submit, and the driver reads the keys from the Secret by reference", () => {
        const s = spec({ eventLog: EVENT_LOG });
        const args = sparkSubmitArgs(s, {
            master: "k8s://h:1",
            runName: "pi-x",
            podTemplateDir: "/d",
        });
        expect(args).toContain("spark.eventLog.dir=s3a://psk-history/events");
        const env = [
            ...driverPodTemplate(s, runName(s)).spec.containers[0].env,
            ...(localDriverPodTemplate(s).spec.containers[0].env ?? []),
        ].filter((e) => e.name.startsWith("PSK_EVENT_LOG_"));
        expect(env).toEqual(
            [1, 2].flatMap(() => [
                {
                    name: "PSK_EVENT_LOG_ACCESS_KEY_ID",
                    valueFrom: { secretKeyRef: { name: "pi-event-log", key: "accessKeyId" } },
                },
                {
                    name: "PSK_EVENT_LOG_SECRET_ACCESS_KEY",
                    valueFrom: { secretKeyRef: { name: "pi-event-log", key: "secretAccessKey" } },
                },
            ]),
        );
        // The executors write no event log: they get no keys.
        expect(JSON.stringify(executorPodTemplate(s))).not.toContain("PSK_EVENT_LOG_");
    });

    it("a failure caused by the directory names the setting", () => {
        const log = [
            "26/12/04 10:12:15 INFO SparkContext: Running Spark version 3.5.7",
            'Exception in thread "main" java.nio.file.AccessDeniedException: s3a://psk-history/events: getFileStatus on s3a://psk-history/events: com.amazonaws.services.s3.model.AmazonS3Exception: Forbidden (Service: Amazon S3; Status Code: 403)',
            "\tat org.apache.hadoop.fs.s3a.S3AUtils.translateException(S3AUtils.java:255)",
        ].join("\n");
        expect(eventLogProblem(log, "s3a://psk-history/events")).toMatch(
            /^its event-log directory s3a:\/\/psk-history\/events \(eventLog\.dir\) could not be used: java\.nio\.file\.AccessDeniedException: .*403/,
        );
        expect(eventLogProblem("ValueError: boom", "s3a://psk-history/events")).toBeUndefined();
    });
});

describe("metrics", () => {
    it("the driver serves Prometheus' format on its UI port, announced by the common scrape annotations", () => {
        const conf = Object.fromEntries(observabilityConf(undefined, { prometheus: true }));
        expect(conf).toMatchObject({
            "spark.ui.port": "4040",
            "spark.ui.killEnabled": "false",
            "spark.ui.prometheus.enabled": "true",
            "spark.metrics.conf.*.sink.prometheusServlet.class":
                "org.apache.spark.metrics.sink.PrometheusServlet",
            "spark.metrics.conf.*.sink.prometheusServlet.path": "/metrics/prometheus",
        });
        expect(metricsAnnotations()).toEqual({
            "prometheus.io/scrape": "true",
            "prometheus.io/port": "4040",
            "prometheus.io/path": "/metrics/prometheus",
        });
        const s = spec({ metrics: { prometheus: true } });
        const driver = driverPodTemplate(s, runName(s));
        expect(driver.metadata.annotations).toEqual(metricsAnnotations());
        expect(driver.spec.containers[0].ports).toEqual([
            { name: "spark-ui", containerPort: 4040 },
        ]);
        expect(localDriverPodTemplate(s).metadata?.annotations).toEqual(metricsAnnotations());
        expect(executorPodTemplate(s)).not.toHaveProperty("metadata");
    });

    it("off: no annotation, no port, no setting", () => {
        const s = spec();
        expect(driverPodTemplate(s, runName(s)).metadata).not.toHaveProperty("annotations");
        expect(observabilityConf(undefined, { prometheus: false })).toEqual([]);
    });

    it("the job's NetworkPolicy admits the metrics port from anywhere, and nothing else from outside", () => {
        const policy = jobNetworkPolicy({ job: "pi" }, true);
        expect(policy.ingress).toEqual([
            { from: [{ podSelector: { matchLabels: { job: "pi" } } }] },
            { ports: [{ port: 4040, protocol: "TCP" }] },
        ]);
        expect(jobNetworkPolicy({ job: "pi" }).ingress).toHaveLength(1);
    });

    it("a job's conf may not set what the event log and the metrics set", () => {
        expect(
            observabilityConfProblems(
                {
                    "spark.eventLog.dir": "s3a://x/y",
                    "spark.hadoop.fs.s3a.bucket.psk-history.endpoint": "http://x",
                    "spark.hadoop.fs.s3a.bucket.other.endpoint": "http://x",
                    "spark.ui.port": "4041",
                    "spark.sql.shuffle.partitions": "4",
                },
                EVENT_LOG,
                { prometheus: true },
            ).map((p) => p.key),
        ).toEqual([
            "spark.eventLog.dir",
            "spark.hadoop.fs.s3a.bucket.psk-history.endpoint",
            "spark.ui.port",
        ]);
        expect(
            observabilityConfProblems({ "spark.ui.port": "4041" }, undefined, undefined),
        ).toEqual([]);
    });
});

describe("where to look at a run", () => {
    it("its logs' place and its History Server page", () => {
        expect(runLogsLocation("s3://psk-history/logs", "spark-local", "pi-1")).toBe(
            "s3://psk-history/logs/spark-local/pi-1/",
        );
        expect(runLogsLocation("s3://b", "ns", "r")).toBe("s3://b/ns/r/");
        expect(historyRunUrl("http://10.96.0.9:18080/", APP_ID)).toBe(
            `http://10.96.0.9:18080/history/${APP_ID}/jobs/`,
        );
    });

    it("the application id: the executors' label, else the driver's own, else the driver log", () => {
        const pod = (name: string, labels: Record<string, string>) => ({
            metadata: { name, labels },
        });
        const driver = pod("pi-1-x", { "spark-role": "driver" });
        const executor = pod("pi-1-x-exec-1", {
            "spark-role": "executor",
            "spark-app-selector": APP_ID,
        });
        expect(runAppId([driver, executor], driver, "")).toBe(APP_ID);
        expect(runAppId([], pod("pi-t-driver", { "spark-app-selector": APP_ID }), "")).toBe(APP_ID);
        const log = `INFO RollingEventLogFilesWriter: Logging events to s3a://h/e/eventlog_v2_${APP_ID}/events_1_${APP_ID}.zstd`;
        expect(runAppId([], driver, log)).toBe(APP_ID);
        expect(appIdFromLog("nothing here")).toBeUndefined();
        expect(runAppId([], driver, "")).toBe("");
    });
});
