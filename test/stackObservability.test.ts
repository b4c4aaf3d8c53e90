/**
 * The stack's observability settings: one declaration for every job's event log and
 * metrics, the History Server and the kept pod logs; its keys only as secrets.
 */
import { ConfigError } from "../lib/configProblems";
import { validateStackConfig } from "../lib/stackValidation";

const DIGEST = `sha256:${"a".repeat(64)}`;
const base = (extra: Record<string, unknown> = {}) => ({
    image: { mode: "existing", ref: `registry.example.com/jobs@${DIGEST}` },
    jobs: { pi: { app: "jobs/pi.py" } } as Record<string, unknown>,
    ...extra,
});

function problemsOf(raw: Record<string, unknown>, secretKeys?: Set<string>): string[] {
    try {
        validateStackConfig(raw, "test", secretKeys);
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems.map((p) => `${p.key}: ${p.message}`);
    }
    throw new Error("expected a ConfigError");
}

describe("the stack's observability", () => {
    it("fills the defaults: the store's region, a History Server, no metrics", () => {
        const config = validateStackConfig(
            base({
                observability: {
                    eventLog: { dir: "s3a://bucket/events" },
                    podLogs: { dir: "s3://bucket/logs" },
                },
            }),
        );
        expect(config.observability).toEqual({
            store: { region: "us-east-1", pathStyle: false },
            eventLog: { dir: "s3a://bucket/events" },
            historyServer: {
                enabled: true,
                memory: "512m",
                coreRequest: "250m",
                coreLimit: "1",
                updateIntervalSeconds: 10,
                readyTimeoutSeconds: 300,
            },
            podLogs: { dir: "s3://bucket/logs", retentionDays: 30, readyTimeoutSeconds: 180 },
            metrics: { prometheus: false, podMonitor: false },
            serviceAccountAnnotations: {},
        });
        expect(validateStackConfig(base()).observability).toBeUndefined();
    });

    it("reports every problem at once, with its key: directories, retention, a PodMonitor without metrics, a job's conf that the event log sets", () => {
        expect(
            problemsOf(
                base({
                    observability: {
                        eventLog: { dir: "s3://bucket/events" },
                        podLogs: { dir: "s3a://bucket/logs", retentionDays: 0 },
                        metrics: { podMonitor: true },
                    },
                    jobs: { pi: { app: "a.py", conf: { "spark.eventLog.enabled": "false" } } },
                }),
            ),
        ).toEqual([
            "pyspark-k8s:observability.eventLog.dir: s3:// is not Hadoop's S3 connector: use s3a://bucket/prefix",
            "pyspark-k8s:observability.podLogs.dir: must be s3://bucket/prefix (an S3 bucket name, then an optional prefix)",
            "pyspark-k8s:observability.podLogs.retentionDays: must be at least 1",
            "pyspark-k8s:observability.metrics.podMonitor: needs metrics.prometheus: the PodMonitor scrapes the endpoints it opens",
        ]);
        expect(
            problemsOf(
                base({
                    observability: {
                        eventLog: { dir: "s3a://bucket/events" },
                        metrics: { podMonitor: true },
                    },
                    jobs: { pi: { app: "a.py", conf: { "spark.eventLog.enabled": "false" } } },
                }),
            ),
        ).toEqual([
            "pyspark-k8s:observability.metrics.podMonitor: needs metrics.prometheus: the PodMonitor scrapes the endpoints it opens",
        ]);
        expect(
            problemsOf(
                base({
                    observability: { eventLog: { dir: "s3a://bucket/events" } },
                    jobs: { pi: { app: "a.py", conf: { "spark.eventLog.enabled": "false" } } },
                }),
            ),
        ).toEqual([
            "pyspark-k8s:jobs.pi.conf.spark.eventLog.enabled: is set by the program from eventLog (observability)",
        ]);
    });

    it("the store's keys must be secrets, and are never echoed", () => {
        const keys = { accessKeyId: "AKID", secretAccessKey: "s3cr3t" };
        const problems = problemsOf(base({ storeKeys: keys }), new Set());
        expect(problems).toEqual([
            expect.stringMatching(
                /^pyspark-k8s:storeKeys: is in plain text in the stack's settings file; .*pulumi config set --secret --path 'pyspark-k8s:storeKeys\.accessKeyId'/,
            ),
        ]);
        expect(
            problemsOf(
                base({ storeKeys: { accessKeyId: "AKID", secretAccessKey: 7 } }),
                new Set(["storeKeys"]),
            ).join("\n"),
        ).not.toMatch(/AKID|s3cr3t/);
        expect(
            validateStackConfig(base({ storeKeys: keys }), "t", new Set(["storeKeys"])).storeKeys,
        ).toEqual(keys);
    });
});
