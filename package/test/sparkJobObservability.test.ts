// componentMocks first: it installs the mocks before any component is loaded.
import { DIGEST_REF, RUN_RESULT, childOf, clusterOutcome, registered } from "./componentMocks";
import { SparkJob, jobRecord } from "../src/components/sparkJob";
import type { SparkJobArgs } from "../src/components/sparkJobArgs";
import { only, secretValue, settle, valueOf } from "./mocks";

const args = (extra: Partial<SparkJobArgs> = {}): SparkJobArgs => ({
    app: "jobs/pi.py",
    namespace: "spark",
    serviceAccountName: "spark-driver",
    image: DIGEST_REF,
    ...extra,
});
const eventLog = {
    dir: "s3a://psk-history/events",
    store: { endpoint: "http://10.244.0.1:8333", pathStyle: true },
    credentials: { accessKeyId: "AKID", secretAccessKey: "s3cr3t" },
};

describe("SparkJob, observed", () => {
    it("writes every run's event log with keys from a Secret of its own that only the driver reads", async () => {
        const job = new SparkJob("pi", args({ eventLog }));
        await valueOf(jobRecord(job));
        await settle();
        const secret = only(registered, "kubernetes:core/v1:Secret", "pi-event-log");
        expect(childOf(secret, "pyspark-k8s:job:SparkJob", "pi")).toBe(true);
        expect(secret.inputs.metadata).toMatchObject({ name: "pi-event-log", namespace: "spark" });
        expect(secretValue(secret.inputs.stringData)).toEqual({
            accessKeyId: "AKID",
            secretAccessKey: "s3cr3t",
        });
        const run = only(registered, "kubernetes:batch/v1:Job", "pi-job");
        const container = run.inputs.spec.template.spec.containers[0];
        expect(container.args).toContain("spark.eventLog.dir=s3a://psk-history/events");
        expect(container.env).toContainEqual({
            name: "PSK_EVENT_LOG_ACCESS_KEY_ID",
            valueFrom: { secretKeyRef: { name: "pi-event-log", key: "accessKeyId" } },
        });
        const templates = only(registered, "kubernetes:core/v1:ConfigMap", "pi-pod-templates");
        for (const r of [run, templates, only(registered, RUN_RESULT, "pi-result")])
            expect(JSON.stringify(r.inputs)).not.toMatch(/AKID|s3cr3t/);
        // The run is not secret for all that: the failure names the directory.
        expect(only(registered, RUN_RESULT, "pi-result").inputs.eventLogDir).toBe(
            "s3a://psk-history/events",
        );
        // The run waits for the Secret.
        expect(run.dependsOn).toContain(secret.urn);
    });

    it("records where to look at each run: its History Server page and its kept logs", async () => {
        const job = new SparkJob(
            "pi",
            args({
                historyServerUrl: "http://10.96.0.9:18080",
                podLogsDir: "s3://psk-history/logs",
            }),
        );
        const record = await valueOf(job.lastRun);
        expect(record).toMatchObject({
            appId: clusterOutcome.appId,
            historyUrl: `http://10.96.0.9:18080/history/${clusterOutcome.appId}/jobs/`,
            logs: `s3://psk-history/logs/spark/${record?.runName}/`,
        });
    });

    it("metrics: annotated driver, the port admitted by the NetworkPolicy, a PodMonitor only when asked", async () => {
        new SparkJob("pi", args({ metrics: { prometheus: true } }));
        await settle();
        const run = only(registered, "kubernetes:batch/v1:Job", "pi-job");
        expect(run.inputs.spec.template.metadata.annotations).toMatchObject({
            "prometheus.io/scrape": "true",
            "prometheus.io/port": "4040",
        });
        const policy = only(
            registered,
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            "pi-network-policy",
        );
        expect(policy.inputs.spec.ingress).toContainEqual({
            ports: [{ port: 4040, protocol: "TCP" }],
        });
        expect(registered.filter((r) => r.type.includes("PodMonitor"))).toEqual([]);

        registered.splice(0);
        new SparkJob("etl", args({ metrics: { prometheus: true, podMonitor: true } }));
        await settle();
        const monitor = only(
            registered,
            "kubernetes:monitoring.coreos.com/v1:PodMonitor",
            "etl-pod-monitor",
        );
        expect(monitor.inputs.spec).toMatchObject({
            selector: { matchLabels: { "pyspark-k8s/job": "etl", "spark-role": "driver" } },
            podMetricsEndpoints: [
                { port: "spark-ui", path: "/metrics/prometheus" },
                { port: "spark-ui", path: "/metrics/executors/prometheus" },
            ],
        });
    });

    it("refuses a PodMonitor without the metrics it scrapes, and conf that the event log sets, never echoing a key", () => {
        expect(
            () =>
                new SparkJob(
                    "pi",
                    args({
                        eventLog: {
                            ...eventLog,
                            credentials: { accessKeyId: "", secretAccessKey: "" },
                        },
                        metrics: { podMonitor: true },
                        conf: { "spark.eventLog.dir": "s3a://other/x" },
                    }),
                ),
        ).toThrow(
            /2 invalid arguments[\s\S]*conf\.spark\.eventLog\.dir: is set by the program[\s\S]*metrics\.podMonitor: needs metrics\.prometheus/,
        );
    });
});
