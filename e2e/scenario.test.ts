/**
 * The end-to-end scenario on the local cluster (npm run e2e): the real Pulumi CLI, the
 * real Kubernetes API server, scheduler, kubelet and containerd, real Spark pods. Steps
 * run in order and share the stack; each asserts what it promises.
 */
import { KubeClient } from "../jobrun/kube";
import {
    ObjectView,
    Project,
    adminClient,
    getJson,
    list,
    pollUntil,
    setClusterRoleVerbs,
} from "./harness";

const NS = "spark-local";
const JOB = "pyspark-k8s/stack=local,pyspark-k8s/job=pi";
const ALL_VERBS = [
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

interface JobRuns {
    pi: {
        driverPod: string;
        exitCode: number;
        durationSeconds: number;
        executorsStarted: number;
        result: string;
    };
}

let project: Project;
let kube: KubeClient;
let first: { driverPod: string; clusterRole: string; binding: string };
const timings: Record<string, number> = {};

beforeAll(() => {
    project = new Project("local");
    kube = adminClient();
    const init = project.pulumi("stack", "init");
    if (init.code !== 0) throw new Error(init.output);
});

afterAll(() => {
    // Leave nothing behind even when a step failed.
    const destroy = project?.pulumi("destroy", "--yes", "--skip-preview");
    // Kept for inspection when the stack could not be destroyed.
    if (destroy?.code === 0) project.dispose();
    else if (project)
        console.log(`stack not destroyed; project and backend kept at ${project.root}`);
    console.log(`e2e timings (s): ${JSON.stringify(timings)}`);
});

const runs = () => project.outputs().jobRuns as JobRuns;
const drivers = async () =>
    (await list(kube, NS, "pods", `${JOB},spark-role=driver`)).map((p) => p.metadata.name).sort();

test("1. pulumi up from nothing: image, RBAC, the pi job with >= 2 executors that really start", async () => {
    const up = project.up();
    timings.upFromNothing = up.seconds;
    const outputs = project.outputs();
    expect(outputs.result).toMatch(/^Pi is roughly 3\.1\d*$/);
    expect(outputs.imageRef).toMatch(/^127\.0\.0\.1:5000\/pyspark-jobs@sha256:[a-f0-9]{64}$/);
    const pi = (outputs.jobRuns as JobRuns).pi;
    expect(pi.exitCode).toBe(0);
    expect(pi.executorsStarted).toBeGreaterThanOrEqual(2);
    first = {
        driverPod: pi.driverPod,
        clusterRole: String(outputs.clusterRole),
        binding: String(outputs.binding).split("/")[1],
    };

    const sa = await getJson(kube, `/api/v1/namespaces/${NS}/serviceaccounts/spark-driver`);
    expect(sa).toBeDefined();
    const role = await getJson<{ rules: unknown[] }>(
        kube,
        `/apis/rbac.authorization.k8s.io/v1/clusterroles/${first.clusterRole}`,
    );
    expect(role?.rules).toEqual([
        {
            apiGroups: [""],
            resources: ["pods", "services", "configmaps", "persistentvolumeclaims"],
            verbs: ALL_VERBS,
        },
    ]);
    const binding = await getJson<{ subjects: unknown[] }>(
        kube,
        `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${first.binding}`,
    );
    expect(binding?.subjects).toEqual([
        { kind: "ServiceAccount", name: "spark-driver", namespace: NS },
    ]);

    // 7a. The driver runs as the stack's service account.
    const driver = await getJson<ObjectView>(kube, `/api/v1/namespaces/${NS}/pods/${pi.driverPod}`);
    expect(driver?.spec?.serviceAccountName).toBe("spark-driver");
    expect(driver?.metadata.labels).toMatchObject({
        "pyspark-k8s/stack": "local",
        "pyspark-k8s/job": "pi",
        "app.kubernetes.io/managed-by": "pulumi",
    });
    // With its full rules, Spark deletes its executors when the app ends; they may still be
    // terminating (30 s grace) when the run is reported, so wait for them within a bound.
    const waitStarted = Date.now();
    const executors = () => list(kube, NS, "pods", `${JOB},spark-role=executor`);
    const left = await pollUntil(executors, (pods) => pods.length === 0, 90_000);
    timings.executorsGoneAfterRun = (Date.now() - waitStarted) / 1000;
    expect(left.map((p) => p.metadata.name)).toEqual([]);
});

test("2. an unchanged stack: preview --expect-no-changes passes and up runs no job", async () => {
    const preview = project.pulumi("preview", "--expect-no-changes");
    timings.noopPreview = preview.seconds;
    expect(preview.code).toBe(0);
    const up = project.up();
    timings.noopUp = up.seconds;
    expect(up.output).toMatch(/11 unchanged/);
    expect(runs().pi.driverPod).toBe(first.driverPod);
    expect(await drivers()).toEqual([first.driverPod]);
});

test("3. a config change (executor count) re-runs the job, and the preview said so", async () => {
    project.set("jobs.pi.executor.instances", "3");
    const preview = project.pulumi("preview", "--diff");
    expect(preview.code).toBe(0);
    expect(preview.output).toMatch(
        /\+-pulumi-nodejs:dynamic\/pyspark-k8s:JobRun: \(replace\)\n.*\n.*JobRun::pi-run\]/,
    );
    expect(preview.output).toMatch(/~ spec *: \(json\)/);
    expect(preview.output).toMatch(/~ instances *: 2 => 3/);
    const up = project.up();
    timings.rerunUp = up.seconds;
    const pi = runs().pi;
    expect(pi.driverPod).not.toBe(first.driverPod);
    expect(pi.executorsStarted).toBeGreaterThanOrEqual(3);
    // The previous run's pods were removed before the new run.
    expect(await drivers()).toEqual([pi.driverPod]);
});

test("4. a failing app fails pulumi up with the Python error, although spark-submit exits 0", async () => {
    project.set("jobs.pi.args[0]", "-1");
    const up = project.pulumi("up", "--yes", "--skip-preview");
    expect(up.code).not.toBe(0);
    expect(up.output).toMatch(
        /driver pod spark-local\/pi-[a-z0-9]+-driver failed with exit code 1 \(Error\)/,
    );
    expect(up.output).toContain(
        "python error: ValueError: PARTITIONS must be a positive integer, got '-1'",
    );
    expect(up.output).toContain("spark-submit exit code: 0");
    expect(await list(kube, NS, "pods", JOB)).toEqual([]);
});

test("5. a driver that cannot be scheduled fails within its bound, saying why", async () => {
    project.set("jobs.pi.args[0]", "2");
    project.set("jobs.pi.driver.memory", "64g");
    project.set("jobs.pi.startTimeoutSeconds", "20");
    const up = project.pulumi("up", "--yes", "--skip-preview");
    timings.unschedulableUp = up.seconds;
    expect(up.code).not.toBe(0);
    expect(up.output).toMatch(
        /could not start within 20s: Unschedulable: 0\/1 nodes are available: 1 Insufficient memory/,
    );
    // The bound plus the engine's and spark-submit's own start-up, not an endless wait.
    expect(up.seconds).toBeLessThan(20 + 60);
    expect(await list(kube, NS, "pods", JOB)).toEqual([]);
});

test("7b. without deletecollection the driver cannot clean up: executors and its service stay behind", async () => {
    project.set("jobs.pi.driver.memory", "512m");
    project.set("jobs.pi.startTimeoutSeconds", "120");
    await setClusterRoleVerbs(
        kube,
        first.clusterRole,
        ALL_VERBS.filter((v) => v !== "deletecollection"),
    );
    try {
        project.up();
        const pi = runs().pi;
        expect(pi.exitCode).toBe(0);
        const leftovers = await list(kube, NS, "pods", `${JOB},spark-role=executor`);
        expect(leftovers.length).toBeGreaterThanOrEqual(3);
        // Not merely terminating: nothing asked for their deletion.
        expect(leftovers.filter((p) => p.metadata.deletionTimestamp)).toEqual([]);
        const log = await kube.podLog(NS, pi.driverPod, "spark-kubernetes-driver", 5000);
        expect(log).toMatch(
            /Failure executing: DELETE at: https:\/\/kubernetes\.default\.svc\/api\/v1\/namespaces\/spark-local\/services\?labelSelector=spark-app-selector/,
        );
        expect(log).toMatch(/services is forbidden: .*cannot deletecollection resource "services"/);
    } finally {
        await setClusterRoleVerbs(kube, first.clusterRole, ALL_VERBS);
    }
});

test("6. pulumi destroy removes every pod, service, config map and PVC of the stack, and its RBAC", async () => {
    const destroy = project.pulumi("destroy", "--yes", "--skip-preview");
    timings.destroy = destroy.seconds;
    expect(destroy.code).toBe(0);
    for (const kind of ["pods", "services", "configmaps", "persistentvolumeclaims"]) {
        expect(await list(kube, NS, kind, "pyspark-k8s/stack=local")).toEqual([]);
        // Spark's own objects carry only its labels: none owned by anything of ours remains.
        const left = (await list(kube, NS, kind)).filter(
            (o) => o.metadata.name !== "kube-root-ca.crt",
        );
        expect(left).toEqual([]);
    }
    expect(
        await getJson(kube, `/api/v1/namespaces/${NS}/serviceaccounts/spark-driver`),
    ).toBeUndefined();
    expect(
        await getJson(kube, `/apis/rbac.authorization.k8s.io/v1/clusterroles/${first.clusterRole}`),
    ).toBeUndefined();
    expect(
        await getJson(
            kube,
            `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${first.binding}`,
        ),
    ).toBeUndefined();
    const ns = await getJson<ObjectView>(kube, `/api/v1/namespaces/${NS}`);
    expect(ns === undefined || ns.status?.phase === "Terminating").toBe(true);
});
