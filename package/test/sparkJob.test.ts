// componentMocks first: it installs the mocks before any component is loaded.
import {
    DIGEST_REF,
    JOB_RUN,
    RUN_RESULT,
    childOf,
    clusterOutcome,
    outcome,
    registered,
} from "./componentMocks";
import * as pulumi from "@pulumi/pulumi";
import { SparkJob, jobRecord } from "../src/components/sparkJob";
import type { SparkJobArgs } from "../src/components/sparkJobArgs";
import { jobManifest, runName } from "../src/lib/jobPod";
import { jobSettingsSchema } from "../src/lib/jobSettings";
import { InvalidArgumentsError } from "../src/lib/problems";
import { runSpec } from "../src/lib/runSpec";
import { isSecret, only, secretValue, settle, valueOf } from "./mocks";

const settings = {
    app: "jobs/pi.py",
    args: ["4"],
    executor: { instances: 3 },
    resultPattern: "Pi is roughly [0-9.]+",
    runId: "2",
    env: { MODE: "fast" },
};
const place = {
    namespace: "spark",
    serviceAccountName: "spark-driver",
    image: DIGEST_REF,
    runAsUser: 185,
    cluster: { kubeconfig: "~/.kube/config", context: "minikube" },
};
const args = (extra: Partial<SparkJobArgs> = {}): SparkJobArgs => ({
    ...settings,
    ...place,
    ...extra,
});
/** The run spec the component should derive for these extra settings. */
const placed = (extra: Record<string, unknown> = {}) =>
    runSpec(jobSettingsSchema.parse({ ...settings, ...extra }), {
        project: "pyspark-k8s",
        stack: "test",
        job: "pi",
        ...place,
    });

describe("SparkJob", () => {
    it("submitter cluster: creates the run as a Kubernetes Job and follows it with a RunResult", async () => {
        const sparkJob = new SparkJob("pi", args({ retries: 1, apiRetrySeconds: 30 }));
        expect(await valueOf(jobRecord(sparkJob))).toEqual({
            submitter: "cluster",
            runName: runName(placed()),
            namespace: "spark",
            ...clusterOutcome,
        });
        expect(await valueOf(sparkJob.result)).toBe("Pi is roughly 3.14159");

        const run = only(registered, "kubernetes:batch/v1:Job", "pi-job");
        const expected = jobManifest(placed({ retries: 1 }));
        expect(run.inputs.metadata).toEqual({
            ...expected.metadata,
            annotations: {
                "pulumi.com/skipAwait": "true",
                "pulumi.com/deletionPropagationPolicy": "background",
            },
        });
        expect(run.inputs.spec).toEqual(expected.spec);
        expect(childOf(run, "pyspark-k8s:job:SparkJob", "pi")).toBe(true);

        const result = only(registered, RUN_RESULT, "pi-result");
        expect(result.inputs).toMatchObject({
            job: "pi",
            namespace: "spark",
            runName: runName(placed()),
            runUid: "uid-of-pi-job",
            resultPattern: "Pi is roughly [0-9.]+",
            startTimeoutSeconds: 180,
            runTimeoutSeconds: 1800,
            apiRetrySeconds: 30,
            cluster: { kubeconfig: "~/.kube/config", context: "minikube" },
        });
        expect(childOf(result, "pyspark-k8s:job:SparkJob", "pi")).toBe(true);
        expect(registered.filter((r) => r.type === JOB_RUN)).toEqual([]);
    });

    it("puts secretEnv into a Secret of the job's own, marked secret, which the pods read by reference only", async () => {
        const sparkJob = new SparkJob(
            "pi",
            args({
                secretEnv: { AWS_SECRET_ACCESS_KEY: "s3cr3t-value", AWS_ACCESS_KEY_ID: "key-id" },
            }),
        );
        await valueOf(jobRecord(sparkJob));

        const secret = only(registered, "kubernetes:core/v1:Secret", "pi-secret-env");
        expect(secret.inputs.metadata).toMatchObject({ name: "pi-secret-env", namespace: "spark" });
        expect(secret.inputs.metadata.labels).toMatchObject({ "pyspark-k8s/for-job": "pi" });
        expect(secretValue(secret.inputs.stringData)).toEqual({
            AWS_ACCESS_KEY_ID: "key-id",
            AWS_SECRET_ACCESS_KEY: "s3cr3t-value",
        });
        expect(childOf(secret, "pyspark-k8s:job:SparkJob", "pi")).toBe(true);

        const run = only(registered, "kubernetes:batch/v1:Job", "pi-job");
        const env = run.inputs.spec.template.spec.containers[0].env;
        expect(env).toContainEqual({
            name: "AWS_SECRET_ACCESS_KEY",
            valueFrom: { secretKeyRef: { name: "pi-secret-env", key: "AWS_SECRET_ACCESS_KEY" } },
        });
        const templates = only(registered, "kubernetes:core/v1:ConfigMap", "pi-pod-templates");
        for (const r of [run, templates, only(registered, RUN_RESULT, "pi-result")]) {
            expect(JSON.stringify(r.inputs)).not.toContain("s3cr3t-value");
            expect(JSON.stringify(r.inputs)).not.toContain("key-id");
        }
        expect(templates.inputs.data["executor.yaml"]).toContain("secretKeyRef");
    });

    it("takes secretEnv as a secret Output (as other languages pass it): the Secret holds it, the run is not secret", async () => {
        const sparkJob = new SparkJob("pi", args({ secretEnv: pulumi.secret({ TOKEN: "t0ken" }) }));
        await valueOf(jobRecord(sparkJob));
        expect(
            secretValue(
                only(registered, "kubernetes:core/v1:Secret", "pi-secret-env").inputs.stringData,
            ),
        ).toEqual({
            TOKEN: "t0ken",
        });
        const run = only(registered, "kubernetes:batch/v1:Job", "pi-job");
        expect(JSON.stringify(run.inputs)).toContain('"name":"TOKEN"');
        expect(await isSecret(sparkJob.result)).toBe(false);
    });

    it("creates no Secret for a job without secretEnv, and the executors' pod template ConfigMap named after the run", async () => {
        await valueOf(jobRecord(new SparkJob("pi", args())));
        expect(registered.filter((r) => r.type === "kubernetes:core/v1:Secret")).toEqual([]);
        const templates = only(registered, "kubernetes:core/v1:ConfigMap", "pi-pod-templates");
        expect(templates.inputs.metadata.name).toBe(`${runName(placed())}-pod-templates`);
    });

    it("admits traffic to the job's pods from its own pods only, unless networkPolicy is off", async () => {
        await valueOf(jobRecord(new SparkJob("pi", args())));
        const policy = only(
            registered,
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            "pi-network-policy",
        );
        const own = {
            "pyspark-k8s/project": "pyspark-k8s",
            "pyspark-k8s/stack": "test",
            "pyspark-k8s/job": "pi",
        };
        expect(policy.inputs.spec).toEqual({
            podSelector: { matchLabels: own },
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ podSelector: { matchLabels: own } }] }],
        });
        // The run's pods carry those labels.
        expect(jobManifest(placed()).spec.template.metadata.labels).toMatchObject(own);

        await settle(); // every registration of the first job is in before the list is cleared
        registered.splice(0);
        await valueOf(jobRecord(new SparkJob("pi", args({ networkPolicy: false }))));
        await settle();
        expect(registered.filter((r) => r.type.includes("NetworkPolicy"))).toEqual([]);
    });

    it("submitter cluster with a schedule: a CronJob of the same Job, and no run during the update", async () => {
        const sparkJob = new SparkJob("pi", args({ schedule: { cron: "*/5 * * * *" } }));
        expect(await valueOf(jobRecord(sparkJob))).toEqual({
            cronJob: runName(placed()),
            schedule: "*/5 * * * *",
        });
        expect(await valueOf(sparkJob.result)).toBe("");
        const cron = only(registered, "kubernetes:batch/v1:CronJob", "pi-schedule");
        expect(cron.inputs.spec.schedule).toBe("*/5 * * * *");
        expect(cron.inputs.spec.concurrencyPolicy).toBe("Forbid");
        expect(cron.inputs.spec.jobTemplate.spec).toEqual(jobManifest(placed()).spec);
        expect(
            registered.filter((r) => r.type === RUN_RESULT || r.type === "kubernetes:batch/v1:Job"),
        ).toEqual([]);
    });

    it("submitter local: hands the whole run spec, field by field, to the deployer's run", async () => {
        const sparkJob = new SparkJob("pi", args({ submitter: "local", sparkVersion: "3.5.7" }));
        expect(await valueOf(jobRecord(sparkJob))).toEqual({ submitter: "local", ...outcome });
        const run = only(registered, JOB_RUN, "pi-run");
        const spec = { ...placed({ submitter: "local" }), sparkVersion: "3.5.7" };
        expect(run.inputs.spec).toEqual(spec);
        expect(run.inputs.runKey).toBe(runName(spec));
        expect(childOf(run, "pyspark-k8s:job:SparkJob", "pi")).toBe(true);
    });

    describe("refuses invalid arguments before it creates anything", () => {
        it("lists every problem, with the argument, the value and what is allowed", () => {
            let error: unknown;
            try {
                new SparkJob(
                    "pi",
                    args({
                        executor: { instances: 0 },
                        conf: { "spark.executor.memoryOverhead": "1g" },
                    }),
                );
            } catch (err) {
                error = err;
            }
            expect(error).toBeInstanceOf(InvalidArgumentsError);
            const message = (error as Error).message;
            expect(message).toMatch(/^SparkJob 'pi': 1 invalid argument, nothing was created:/);
            expect(message).toContain("executor.instances: must be at least 1 (got 0)");
            expect(registered).toEqual([]);
        });

        it("names the argument of a cross-setting problem too (a conf key the program sets)", () => {
            expect(
                () => new SparkJob("pi", args({ conf: { "spark.executor.memoryOverhead": "1g" } })),
            ).toThrow(
                /conf\.spark\.executor\.memoryOverhead: is set by the program; use driver \/ executor instead/,
            );
            expect(registered).toEqual([]);
        });

        it("checks what is known now although another argument is still to come (as YAML passes outputs)", () => {
            expect(
                () =>
                    new SparkJob(
                        "pi",
                        args({ namespace: pulumi.output("spark"), executor: { instances: 0 } }),
                    ),
            ).toThrow(
                /^SparkJob 'pi': 1 invalid argument, nothing was created:\n {2}- executor\.instances: must be at least 1 \(got 0\)$/,
            );
            expect(registered).toEqual([]);
        });

        it("refuses a name that cannot be a job's", () => {
            expect(() => new SparkJob("Pi_Job", args())).toThrow(
                /name: job name must be a DNS-1123 label/,
            );
            expect(registered).toEqual([]);
        });
    });
});
