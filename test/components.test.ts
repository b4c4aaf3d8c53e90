import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Registered, only, recordResources, secretValue, settle, valueOf } from "./mocks";

// Mocks must be in place before any resource class is used.
const outcome = {
    driverPod: "pi-abc-driver",
    namespace: "spark",
    runTag: "abc",
    exitCode: 0,
    durationSeconds: 42.5,
    result: "Pi is roughly 3.14159",
    executorsStarted: 2,
};
const DIGEST_REF = `127.0.0.1:5000/jobs@sha256:${"b".repeat(64)}`;
const JOB_RUN = "pulumi-nodejs:dynamic/pyspark-k8s:JobRun";
const RUN_RESULT = "pulumi-nodejs:dynamic/pyspark-k8s:RunResult";
const clusterOutcome = {
    driverPod: "pi-0a1b2c3d-x7k2p",
    exitCode: 0,
    durationSeconds: 14,
    result: "Pi is roughly 3.14159",
    executorsStarted: 3,
    attempts: 2,
};
const IMAGE_BUILD = "pulumi-nodejs:dynamic/pyspark-k8s:ImageBuild";
const registered: Registered[] = recordResources((args) => {
    if (args.type === JOB_RUN) return outcome;
    if (args.type === RUN_RESULT) return clusterOutcome;
    if (args.type === "kubernetes:batch/v1:Job")
        return { metadata: { ...args.inputs.metadata, uid: `uid-of-${args.name}` } };
    if (args.type === IMAGE_BUILD) return { imageRef: DIGEST_REF };
    if (args.type === "docker:index/image:Image")
        return { repoDigest: `registry.example.com/data/jobs@sha256:${"c".repeat(64)}` };
    return undefined;
});

import { JobImage } from "../components/jobImage";
import { SparkJob } from "../components/sparkJob";
import { SparkRbac } from "../components/sparkRbac";
import { validateStackConfig } from "../lib/config";
import { jobManifest, runName } from "../lib/jobPod";
import { runSpec } from "../lib/jobSpec";

beforeEach(() => registered.splice(0));

const childOf = (r: Registered, type: string, name: string) =>
    r.parentUrn.endsWith(`${type}::${name}`);

describe("SparkRbac", () => {
    it("creates namespace, service account, cluster role and cluster role binding, all children of the component", async () => {
        const rbac = new SparkRbac("spark", {
            namespace: "spark-jobs",
            createNamespace: true,
            serviceAccountName: "spark-driver",
            binding: "cluster",
            labels: { team: "data" },
        });
        expect(await valueOf(rbac.namespace)).toBe("spark-jobs");
        expect(await valueOf(rbac.serviceAccountName)).toBe("spark-driver");
        await settle();

        const ns = only(registered, "kubernetes:core/v1:Namespace", "spark-ns");
        expect(ns.inputs.metadata).toEqual({ name: "spark-jobs", labels: { team: "data" } });
        const sa = only(registered, "kubernetes:core/v1:ServiceAccount", "spark-sa");
        expect(sa.inputs.metadata).toEqual({
            name: "spark-driver",
            namespace: "spark-jobs",
            labels: { team: "data" },
        });
        const role = only(
            registered,
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
            "spark-role",
        );
        expect(role.inputs.rules).toEqual([
            {
                apiGroups: [""],
                resources: ["pods", "services", "configmaps", "persistentvolumeclaims"],
                verbs: [
                    "get",
                    "list",
                    "watch",
                    "create",
                    "update",
                    "patch",
                    "delete",
                    "deletecollection",
                ],
            },
        ]);
        const binding = only(
            registered,
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
            "spark-binding",
        );
        expect(binding.inputs.roleRef).toEqual({
            apiGroup: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            name: "spark-role-abc123",
        });
        expect(binding.inputs.subjects).toEqual([
            { kind: "ServiceAccount", name: "spark-driver", namespace: "spark-jobs" },
        ]);
        expect(
            registered.filter(
                (r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
            ),
        ).toHaveLength(0);
        for (const child of [ns, sa, role, binding])
            expect(childOf(child, "pyspark-k8s:rbac:SparkRbac", "spark")).toBe(true);
        expect(rbac.bindingKind).toBe("ClusterRoleBinding");
    });

    it("binds with a namespaced RoleBinding for least privilege, and leaves an existing namespace alone", async () => {
        const rbac = new SparkRbac("prod", {
            namespace: "spark-prod",
            createNamespace: false,
            serviceAccountName: "runner",
            binding: "namespace",
        });
        await valueOf(rbac.bindingName);
        await settle();
        expect(registered.filter((r) => r.type === "kubernetes:core/v1:Namespace")).toHaveLength(0);
        expect(
            registered.filter(
                (r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
            ),
        ).toHaveLength(0);
        const binding = only(
            registered,
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
            "prod-binding",
        );
        expect(binding.inputs.metadata.namespace).toBe("spark-prod");
        expect(binding.inputs.roleRef).toEqual({
            apiGroup: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            name: "prod-role-abc123",
        });
        expect(binding.inputs.subjects).toEqual([
            { kind: "ServiceAccount", name: "runner", namespace: "spark-prod" },
        ]);
        expect(
            only(registered, "kubernetes:core/v1:ServiceAccount").inputs.metadata.namespace,
        ).toBe("spark-prod");
        expect(rbac.bindingKind).toBe("RoleBinding");
    });

    it("passes the provider from opts to every child", async () => {
        const provider = new k8s.Provider("cluster", { context: "ctx" });
        const rbac = new SparkRbac(
            "p",
            {
                namespace: "ns",
                createNamespace: true,
                serviceAccountName: "sa",
                binding: "cluster",
            },
            { providers: { kubernetes: provider } },
        );
        await valueOf(rbac.bindingName);
        await settle();
        const children = registered.filter(
            (r) => r.type.startsWith("kubernetes:") && r.type !== "pulumi:providers:kubernetes",
        );
        expect(children).toHaveLength(4);
        for (const child of children) expect(child.provider).toMatch(/::cluster::cluster-id$/);
    });
});

describe("JobImage", () => {
    it("builds and pushes with the Docker provider and outputs the digest reference", async () => {
        const image = new JobImage("img", {
            source: {
                mode: "docker",
                registry: "registry.example.com",
                repository: "data/jobs",
                tag: "v1",
                baseImage: "apache/spark:3.5.7-python3",
                context: "app",
                dockerfile: "app/Dockerfile",
                platform: "linux/amd64",
            },
            registryUsername: "deployer",
            registryPassword: pulumi.secret("s3cret"),
        });
        expect(await valueOf(image.imageRef)).toBe(
            `registry.example.com/data/jobs@sha256:${"c".repeat(64)}`,
        );
        const built = only(registered, "docker:index/image:Image", "img-image");
        expect(built.inputs.imageName).toBe("registry.example.com/data/jobs:v1");
        expect(built.inputs.build).toEqual({
            context: "app",
            dockerfile: "app/Dockerfile",
            platform: "linux/amd64",
            args: { SPARK_BASE_IMAGE: "apache/spark:3.5.7-python3" },
        });
        // The password makes the whole registry block a secret in state.
        expect(secretValue(built.inputs.registry)).toEqual({
            server: "registry.example.com",
            username: "deployer",
            password: "s3cret",
        });
        expect(childOf(built, "pyspark-k8s:image:JobImage", "img")).toBe(true);
    });

    it("builds with the docker CLI through a dynamic resource, the password a secret input only", async () => {
        const image = new JobImage("cli", {
            source: {
                mode: "cli",
                registry: "127.0.0.1:5000",
                repository: "jobs",
                tag: "local",
                baseImage: "127.0.0.1:5000/spark-py:3.5.7",
                context: "app",
                dockerfile: "app/Dockerfile",
                platform: "linux/amd64",
            },
            registryUsername: "u",
            registryPassword: pulumi.secret("hunter2"),
        });
        expect(await valueOf(image.imageRef)).toBe(DIGEST_REF);
        const build = only(registered, IMAGE_BUILD, "cli-build");
        expect(build.inputs).toMatchObject({
            imageName: "127.0.0.1:5000/jobs:local",
            context: "app",
            dockerfile: "app/Dockerfile",
            baseImage: "127.0.0.1:5000/spark-py:3.5.7",
            platform: "linux/amd64",
            registry: "127.0.0.1:5000",
            registryUsername: "u",
            contextHash: expect.stringMatching(/^[a-f0-9]{64}$/),
        });
        expect(secretValue(build.inputs.registryPassword)).toBe("hunter2");
        expect(build.inputs.__provider).not.toContain("hunter2");
        expect(childOf(build, "pyspark-k8s:image:JobImage", "cli")).toBe(true);
    });

    it("uses an existing image and builds nothing", async () => {
        const ref = `registry.example.com/jobs@sha256:${"d".repeat(64)}`;
        const image = new JobImage("existing", { source: { mode: "existing", ref } });
        expect(await valueOf(image.imageRef)).toBe(ref);
        await settle();
        expect(registered.filter((r) => r.type !== "pyspark-k8s:image:JobImage")).toHaveLength(0);
    });
});

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
