// componentMocks first: it installs the mocks before any component is loaded.
import {
    DIGEST_REF,
    JOB_RUN,
    RUN_RESULT,
    childOf,
    clusterOutcome,
    registered,
} from "./componentMocks";
import { SparkJob } from "../components/sparkJob";
import { validateStackConfig } from "../lib/config";
import { jobManifest, runName } from "../lib/jobPod";
import { runSpec } from "../lib/jobSpec";
import { only, secretValue, settle, valueOf } from "./mocks";

describe("SparkJob", () => {
    const settings = {
        app: "jobs/pi.py",
        args: ["4"],
        executor: { instances: 3 },
        resultPattern: "Pi is roughly [0-9.]+",
        runId: 2,
        env: { MODE: "fast" },
    };
    const jobOf = (extra: Record<string, unknown> = {}) =>
        validateStackConfig({
            image: { mode: "existing", ref: DIGEST_REF, sparkVersion: "3.5.7" },
            jobs: { pi: { ...settings, ...extra } },
        }).jobs.pi;
    const place = {
        namespace: "spark",
        serviceAccountName: "spark-driver",
        image: DIGEST_REF,
        runAsUser: 185,
        cluster: { kubeconfig: "~/.kube/config", context: "minikube" },
    };
    const placed = (extra: Record<string, unknown> = {}) =>
        runSpec("pi", jobOf(extra), { project: "pyspark-k8s", stack: "test", ...place });

    it("submitter cluster: creates the run as a Kubernetes Job and follows it with a RunResult", async () => {
        const sparkJob = new SparkJob("pi", {
            job: jobOf({ retries: 1 }),
            ...place,
            apiRetrySeconds: 30,
        });
        expect(await valueOf(sparkJob.record)).toEqual({
            submitter: "cluster",
            runJob: runName(placed()),
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
            jobName: runName(placed()),
            jobUid: "uid-of-pi-job",
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
        const sparkJob = new SparkJob("pi", {
            job: jobOf(),
            ...place,
            secretEnv: { AWS_SECRET_ACCESS_KEY: "s3cr3t-value", AWS_ACCESS_KEY_ID: "key-id" },
        });
        await valueOf(sparkJob.record);

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

    it("creates no Secret for a job without secretEnv, and the executors' pod template ConfigMap named after the run", async () => {
        const sparkJob = new SparkJob("pi", { job: jobOf(), ...place });
        await valueOf(sparkJob.record);
        expect(registered.filter((r) => r.type === "kubernetes:core/v1:Secret")).toEqual([]);
        const templates = only(registered, "kubernetes:core/v1:ConfigMap", "pi-pod-templates");
        expect(templates.inputs.metadata.name).toBe(`${runName(placed())}-pod-templates`);
    });

    it("admits traffic to the job's pods from its own pods only, unless networkPolicy is off", async () => {
        await valueOf(new SparkJob("pi", { job: jobOf(), ...place }).record);
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
        await valueOf(
            new SparkJob("pi", { job: jobOf({ networkPolicy: false }), ...place }).record,
        );
        await settle();
        expect(registered.filter((r) => r.type.includes("NetworkPolicy"))).toEqual([]);
    });

    it("submitter cluster with a schedule: a CronJob of the same Job, and no run during the update", async () => {
        const sparkJob = new SparkJob("pi", { job: jobOf({ schedule: "*/5 * * * *" }), ...place });
        expect(await valueOf(sparkJob.record)).toEqual({
            submitter: "cluster",
            cronJob: runName(placed()),
            schedule: "*/5 * * * *",
        });
        const cron = only(registered, "kubernetes:batch/v1:CronJob", "pi-schedule");
        expect(cron.inputs.spec.schedule).toBe("*/5 * * * *");
        expect(cron.inputs.spec.concurrencyPolicy).toBe("Forbid");
        expect(cron.inputs.spec.jobTemplate.spec).toEqual(jobManifest(placed()).spec);
        expect(
            registered.filter((r) => r.type === RUN_RESULT || r.type === "kubernetes:batch/v1:Job"),
        ).toEqual([]);
    });

    it("submitter local: passes the full job spec, image and runId to the deployer's run", async () => {
        const sparkJob = new SparkJob("pi", {
            job: jobOf({ submitter: "local" }),
            ...place,
            sparkVersion: "3.5.7",
        });
        expect(await valueOf(sparkJob.record)).toEqual({
            submitter: "local",
            driverPod: "pi-abc-driver",
            exitCode: 0,
            durationSeconds: 42.5,
            executorsStarted: 2,
            result: "Pi is roughly 3.14159",
            attempts: 1,
        });

        const run = only(registered, JOB_RUN, "pi-run");
        expect(run.inputs.image).toBe(DIGEST_REF);
        expect(run.inputs.runId).toBe("2");
        expect(JSON.parse(run.inputs.spec)).toEqual({
            ...placed({ submitter: "local" }),
            sparkVersion: "3.5.7",
        });
        expect(childOf(run, "pyspark-k8s:job:SparkJob", "pi")).toBe(true);
    });
});
