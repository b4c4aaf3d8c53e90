/**
 * The end-to-end scenario on the local cluster (npm run e2e): the real Pulumi CLI, the
 * real Kubernetes API server, scheduler, kubelet and containerd, real Spark pods. Steps
 * run in the order they are numbered and share the stack; each asserts what it promises.
 * Runs use the cluster submitter (a Kubernetes Job) unless a step says otherwise.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import type { KubeClient } from "../package/src/runner/kube";
import {
    ObjectView,
    Project,
    adminClient,
    alive,
    getObject,
    killGroup,
    list,
    pauseApiServer,
    pollUntil,
    REPO,
    setClusterRoleVerbs,
} from "./harness";
import {
    EtlExpected,
    S3Keys,
    allCommandLines,
    checkov,
    kubectl,
    kubectlItems,
    objectStoreUp,
    readOutput,
    stackKeys,
    uploadDataset,
} from "./etl";

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
const SPARK4 = { image: "127.0.0.1:5000/spark-py:4.3.0", version: "4.3.0" };
const SPARK35 = { image: "127.0.0.1:5000/spark-py:3.5.7", version: "3.5.7" };

interface Run {
    submitter: string;
    runJob?: string;
    cronJob?: string;
    driverPod: string;
    exitCode: number;
    durationSeconds: number;
    executorsStarted: number;
    result: string;
    attempts: number;
}

interface PodView extends ObjectView {
    status?: { phase?: string; containerStatuses?: { state?: { running?: object } }[] };
}

let project: Project;
let kube: KubeClient;
let first: {
    driverPod: string;
    runJob: string;
    clusterRole: string;
    bindingKind: string;
    binding: string;
};
let runId = 1;
const timings: Record<string, number> = {};

// Jest shows console output only when the file ends: say on stderr which step runs.
let stepStarted = 0;
beforeEach(() => {
    stepStarted = Date.now();
    process.stderr.write(
        `[e2e ${new Date().toISOString().slice(11, 19)}] ${expect.getState().currentTestName}\n`,
    );
});
afterEach(() => {
    process.stderr.write(`[e2e] ... ${((Date.now() - stepStarted) / 1000).toFixed(1)} s\n`);
});

beforeAll(() => {
    project = new Project("local");
    kube = adminClient();
    const init = project.pulumi("stack", "init");
    if (init.code !== 0) throw new Error(init.output);
    // Steps 1 to 13 run pi alone; the ETL job (and its jars) join at step 14.
    etlSettings = takeEtlOut();
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

const pi = () => (project.outputs().jobRuns as Record<string, Run>).pi;
const etl = () => (project.outputs().jobRuns as Record<string, Run>).etl;

type StackFile = { config: Record<string, Record<string, unknown>> };
const stackFile = () => path.join(project.dir, "Pulumi.local.yaml");
const readStack = () => yaml.load(fs.readFileSync(stackFile(), "utf8")) as StackFile;
const writeStack = (doc: StackFile) => fs.writeFileSync(stackFile(), yaml.dump(doc));
interface EtlSettings {
    job: unknown;
    secretEnv: unknown;
    jars: unknown;
}
let etlSettings: EtlSettings;
/** Removes the ETL job, its secrets and the image's jars from the stack file; returns them. */
function takeEtlOut(): EtlSettings {
    const doc = readStack();
    const jobs = doc.config["pyspark-k8s:jobs"];
    const image = doc.config["pyspark-k8s:image"];
    const taken = {
        job: jobs.etl,
        secretEnv: doc.config["pyspark-k8s:secretEnv"],
        jars: image.jars,
    };
    delete jobs.etl;
    delete image.jars;
    delete doc.config["pyspark-k8s:secretEnv"];
    writeStack(doc);
    return taken;
}
/** Puts them back (the secrets still encrypted, as the checkout has them). */
function putEtlBack(settings: EtlSettings): void {
    const doc = readStack();
    doc.config["pyspark-k8s:jobs"].etl = settings.job;
    doc.config["pyspark-k8s:image"].jars = settings.jars;
    doc.config["pyspark-k8s:secretEnv"] = settings.secretEnv as Record<string, unknown>;
    writeStack(doc);
}
const pods = (selector: string) => list(kube, NS, "pods", selector) as Promise<PodView[]>;
const driversOf = async (job: string) =>
    (await pods(`batch.kubernetes.io/job-name=${job}`)).map((p) => p.metadata.name).sort();
const bumpRunId = () => project.set("jobs.pi.runId", String(++runId));
/** Waits (bounded) until a pod of the selector has a running container; returns its name. */
async function runningPod(selector: string, boundMs: number): Promise<string> {
    const found = await pollUntil(
        () => pods(selector),
        (ps) => ps.some((p) => p.status?.containerStatuses?.some((c) => c.state?.running)),
        boundMs,
    );
    const pod = found.find((p) => p.status?.containerStatuses?.some((c) => c.state?.running));
    if (!pod) throw new Error(`no running pod matching ${selector} within ${boundMs / 1000}s`);
    return pod.metadata.name;
}
/** Spark deletes its executors when the app ends; they may still be in their 30 s grace. */
async function executorsGone(): Promise<PodView[]> {
    return pollUntil(
        () => pods(`${JOB},spark-role=executor`),
        (ps) => ps.length === 0,
        90_000,
    );
}

test("1. pulumi up from nothing: image, RBAC, and the pi job as a Kubernetes Job with >= 2 executors, progress shown live", async () => {
    const up = project.up();
    timings.upFromNothing = up.seconds;
    const outputs = project.outputs();
    expect(outputs.result).toMatch(/^Pi is roughly 3\.1\d*$/);
    expect(outputs.imageRef).toMatch(/^127\.0\.0\.1:5000\/pyspark-jobs@sha256:[a-f0-9]{64}$/);
    const run = pi();
    expect(run).toMatchObject({ submitter: "cluster", exitCode: 0, attempts: 1 });
    expect(run.executorsStarted).toBeGreaterThanOrEqual(2);
    first = {
        driverPod: run.driverPod,
        runJob: String(run.runJob),
        clusterRole: String(outputs.clusterRole),
        bindingKind: String(outputs.binding).split("/")[0],
        binding: String(outputs.binding).split("/")[1],
    };
    // Progress as it happened, in pulumi up's own output.
    expect(up.output).toMatch(/\[jobrun\] attempt 1, driver pod pi-[a-z0-9]+-[a-z0-9]+: running/);
    expect(up.output).toMatch(/\[jobrun\] executor pi-[a-z0-9-]+-exec-\d+: started/);
    expect(up.output).toMatch(/\[jobrun\] job pi: succeeded in [0-9.]+s: Pi is roughly 3\.1/);

    // The run is a Job; its one pod is the driver, as the stack's ServiceAccount.
    const job = await getObject<{ metadata: { uid: string } }>(kube, {
        apiVersion: "batch/v1",
        kind: "Job",
        name: first.runJob,
        namespace: NS,
    });
    expect(job).toBeDefined();
    expect(await driversOf(first.runJob)).toEqual([run.driverPod]);
    const driver = await getObject<PodView & { spec: { serviceAccountName: string } }>(kube, {
        apiVersion: "v1",
        kind: "Pod",
        name: run.driverPod,
        namespace: NS,
    });
    expect(driver?.spec.serviceAccountName).toBe("spark-driver");
    expect(driver?.metadata.ownerReferences?.map((o) => [o.kind, o.name])).toEqual([
        ["Job", first.runJob],
    ]);
    expect(driver?.metadata.labels).toMatchObject({
        "pyspark-k8s/stack": "local",
        "pyspark-k8s/job": "pi",
        "spark-role": "driver",
        "app.kubernetes.io/managed-by": "pulumi",
    });

    expect(
        await getObject(kube, {
            apiVersion: "v1",
            kind: "ServiceAccount",
            name: "spark-driver",
            namespace: NS,
        }),
    ).toBeDefined();
    const role = await getObject<{ rules: unknown[] }>(kube, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        name: first.clusterRole,
    });
    expect(role?.rules).toEqual([
        {
            apiGroups: [""],
            resources: ["pods", "services", "configmaps", "persistentvolumeclaims"],
            verbs: ALL_VERBS,
        },
    ]);
    // Bound in the job namespace only (the default), not cluster-wide.
    expect(first.bindingKind).toBe("RoleBinding");
    const binding = await getObject<{ subjects: unknown[] }>(kube, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        name: first.binding,
        namespace: NS,
    });
    expect(binding?.subjects).toEqual([
        { kind: "ServiceAccount", name: "spark-driver", namespace: NS },
    ]);

    // The namespace enforces Pod Security `restricted`, and admitted the run's pods.
    const ns = await getObject<{ metadata: { labels: Record<string, string> } }>(kube, {
        apiVersion: "v1",
        kind: "Namespace",
        name: NS,
    });
    expect(ns?.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const refused = spawnSync(
        "bash",
        [
            "local/cluster/cluster.sh",
            "kubectl",
            "-n",
            NS,
            "run",
            "e2e-unhardened",
            "--image=psk.local/busybox:1.35.0",
            "--restart=Never",
            "--",
            "true",
        ],
        { cwd: REPO, encoding: "utf8" },
    );
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/violates PodSecurity "restricted:latest"/);

    const waitStarted = Date.now();
    expect((await executorsGone()).map((p) => p.metadata.name)).toEqual([]);
    timings.executorsGoneAfterRun = (Date.now() - waitStarted) / 1000;
});

test("2. an unchanged stack: preview --expect-no-changes passes and up runs no job", async () => {
    const preview = project.pulumi("preview", "--expect-no-changes");
    timings.noopPreview = preview.seconds;
    expect(preview.code).toBe(0);
    const up = project.up();
    timings.noopUp = up.seconds;
    // Every resource unchanged: the Resources summary has no other line.
    expect(up.output).toMatch(/Resources:\s+\d+ unchanged\s+Duration/);
    expect(up.output).not.toMatch(/\[jobrun\]/);
    expect(pi().driverPod).toBe(first.driverPod);
    expect(await driversOf(first.runJob)).toEqual([first.driverPod]);
});

test("3. refresh notices a run whose Job is gone, the next up runs the job again, and a forced re-run replaces it", async () => {
    await kube.delete(NS, "jobs", first.runJob);
    await pollUntil(
        () => pods(`batch.kubernetes.io/job-name=${first.runJob}`),
        (ps) => ps.length === 0,
        60_000,
    );
    const refresh = project.pulumi("refresh", "--yes", "--skip-preview");
    expect(refresh.code).toBe(0);
    expect(refresh.output).toMatch(/pyspark-k8s:RunResult.*pi-result.*deleted/);
    const up = project.up();
    expect(up.output).toMatch(/\[jobrun\] job pi: succeeded/);
    expect(pi().runJob).toBe(first.runJob);
    expect(pi().driverPod).not.toBe(first.driverPod);

    // A forced re-run (npm run job -- rerun) of the same inputs removes the old run first.
    const before = pi().driverPod;
    const forced = project.up("--replace", "**batch/v1:Job::*");
    expect(forced.output).toMatch(/-- kubernetes:batch\/v1:Job pi-job deleted original/);
    expect(pi().runJob).toBe(first.runJob);
    expect(pi().driverPod).not.toBe(before);
    expect(
        await pollUntil(
            () => driversOf(first.runJob),
            (d) => d.length === 1,
            60_000,
        ),
    ).toEqual([pi().driverPod]);
});

test("4. a config change (executor count) re-runs the job, and the preview said so, field by field", async () => {
    const before = pi();
    project.set("jobs.pi.executor.instances", "3");
    const preview = project.pulumi("preview", "--diff");
    expect(preview.code).toBe(0);
    expect(preview.output).toMatch(/\+-kubernetes:batch\/v1:Job: \(replace\)/);
    expect(preview.output).toMatch(
        /- \[\d+\]: "spark\.executor\.instances=2"\n\s+\+ \[\d+\]: "spark\.executor\.instances=3"|~ \[\d+\]: "spark\.executor\.instances=2" => "spark\.executor\.instances=3"/,
    );
    const up = project.up();
    timings.rerunUp = up.seconds;
    const run = pi();
    expect(run.runJob).not.toBe(before.runJob);
    expect(run.executorsStarted).toBeGreaterThanOrEqual(3);
    // The previous run's Job and pods were removed before the new run.
    expect(
        await getObject(kube, {
            apiVersion: "batch/v1",
            kind: "Job",
            name: String(before.runJob),
            namespace: NS,
        }),
    ).toBeUndefined();
    expect((await pods(`${JOB},spark-role=driver`)).map((p) => p.metadata.name)).toEqual([
        run.driverPod,
    ]);
});

test("5. a failing app fails pulumi up with the exit code and the Python error, and leaves nothing running", async () => {
    project.set("jobs.pi.args[0]", "-1");
    const up = project.pulumi("up", "--yes", "--skip-preview");
    expect(up.code).not.toBe(0);
    expect(up.output).toMatch(
        /job pi: run spark-local\/pi-[a-z0-9]+ failed after 1 attempt \(BackoffLimitExceeded/,
    );
    expect(up.output).toMatch(
        /driver pod spark-local\/pi-[a-z0-9]+-[a-z0-9]+: application failure: exit code 1 \(Error\)/,
    );
    expect(up.output).toContain(
        "python error: ValueError: PARTITIONS must be a positive integer, got '-1'",
    );
    expect(up.output).not.toMatch(/\n\s+at .*\.js:\d+/);
    // The failed driver pod stays for its logs; nothing of the run still runs.
    expect(await executorsGone()).toEqual([]);
    expect(
        (await pods(JOB)).filter(
            (p) => p.status?.phase === "Running" || p.status?.phase === "Pending",
        ),
    ).toEqual([]);
});

test("6. a driver that cannot be scheduled fails within its bound, saying why, and its Job is removed", async () => {
    project.set("jobs.pi.args[0]", "2");
    project.set("jobs.pi.driver.memory", "64g");
    project.set("jobs.pi.startTimeoutSeconds", "20");
    const up = project.pulumi("up", "--yes", "--skip-preview");
    timings.unschedulableUp = up.seconds;
    expect(up.code).not.toBe(0);
    expect(up.output).toMatch(
        /could not start within 20s: Unschedulable: 0\/1 nodes are available: 1 Insufficient memory/,
    );
    // The bound plus the engine's start-up and the Job's creation, not an endless wait.
    expect(up.seconds).toBeLessThan(20 + 60);
    await pollUntil(
        () => pods(JOB),
        (ps) => ps.length === 0,
        60_000,
    );
    expect(await pods(JOB)).toEqual([]);
});

test("7. retries: an app that fails its first attempt passes with retries 1, and fails with retries 0", async () => {
    project.set("jobs.pi.driver.memory", "512m");
    project.set("jobs.pi.startTimeoutSeconds", "120");
    project.set("jobs.pi.app", "jobs/flaky.py");
    project.setList("jobs.pi.args", ["1"]);
    project.set("jobs.pi.resultPattern", "flaky: succeeded on attempt [0-9]+");
    project.set("jobs.pi.retries", "1");
    const passing = project.up();
    timings.retriedUp = passing.seconds;
    expect(pi().attempts).toBe(2);
    expect(pi().result).toMatch(/^flaky: succeeded on attempt 2\b/);
    expect(passing.output).toMatch(/attempt 1, driver pod .*: application failure: exit code 1/);
    expect(await driversOf(String(pi().runJob))).toHaveLength(2);

    project.set("jobs.pi.retries", "0");
    bumpRunId();
    const failing = project.pulumi("up", "--yes", "--skip-preview");
    expect(failing.code).not.toBe(0);
    expect(failing.output).toMatch(/failed after 1 attempt \(BackoffLimitExceeded/);
    expect(failing.output).toContain(
        "python error: InjectedFailure: attempt 1 fails on purpose (FAILING_ATTEMPTS=1)",
    );
});

test("8. without deletecollection the driver cannot clean up: its executors stay behind", async () => {
    project.set("jobs.pi.app", "jobs/pi.py");
    project.set("jobs.pi.retries", "0");
    project.setList("jobs.pi.args", ["2", "200000"]);
    project.set("jobs.pi.resultPattern", "Pi is roughly [0-9.]+");
    await setClusterRoleVerbs(
        kube,
        first.clusterRole,
        ALL_VERBS.filter((v) => v !== "deletecollection"),
    );
    try {
        project.up();
        const run = pi();
        expect(run.exitCode).toBe(0);
        const leftovers = await pods(`${JOB},spark-role=executor`);
        expect(leftovers.length).toBeGreaterThanOrEqual(3);
        // Not merely terminating: nothing asked for their deletion.
        expect(leftovers.filter((p) => p.metadata.deletionTimestamp)).toEqual([]);
        const log = await kube.podLog(NS, run.driverPod, "spark-kubernetes-driver", 5000);
        expect(log).toMatch(
            /is forbidden: .*cannot deletecollection resource "(pods|configmaps|services)"/,
        );
    } finally {
        await setClusterRoleVerbs(kube, first.clusterRole, ALL_VERBS);
    }
});

test("9. SIGKILL to pulumi up while the driver runs: the next up re-attaches to the same run; no second driver ever existed", async () => {
    bumpRunId();
    const started = project.start("up", "--yes", "--skip-preview");
    const driver = await runningPod(
        `${JOB},spark-role=driver,pyspark-k8s/run!=${String(pi().runJob)}`,
        120_000,
    );
    const killed = killGroup(started);
    await started.done;
    // Nothing of the killed deployer keeps running (the CLI, its language host, its plugins).
    expect(
        await pollUntil(
            () => Promise.resolve(killed.filter(alive)),
            (l) => l.length === 0,
            10_000,
        ),
    ).toEqual([]);
    const job = driver.replace(/-[a-z0-9]{5}$/, "");
    // The file backend keeps the killed update's lock: `pulumi cancel` is the way out.
    expect(project.pulumi("cancel", "--yes").code).toBe(0);
    const again = project.up();
    timings.reattachUp = again.seconds;
    expect(again.output).toMatch(
        new RegExp(`\\[jobrun\\] job pi: following run spark-local/${job}`),
    );
    expect(pi()).toMatchObject({ runJob: job, driverPod: driver, exitCode: 0 });
    expect(await driversOf(job)).toEqual([driver]);
    // The engine keeps warning about the killed create until it is cleared.
    expect(
        project.pulumi("refresh", "--clear-pending-creates", "--yes", "--skip-preview").code,
    ).toBe(0);
    expect(project.pulumi("preview", "--expect-no-changes").output).not.toMatch(
        /pending operations/,
    );
});

test("10. kube-apiserver stopped for 20 s while a run runs: the run completes and pulumi up succeeds", async () => {
    bumpRunId();
    project.setList("jobs.pi.args", ["2", "30000000"]);
    const started = project.start("up", "--yes", "--skip-preview");
    await pollUntil(
        () => pods(`${JOB},spark-role=executor`),
        (ps) =>
            ps.filter((p) => p.status?.containerStatuses?.some((c) => c.state?.running)).length >=
            3,
        180_000,
    );
    pauseApiServer(20);
    const up = await started.done;
    timings.upThroughApiBlink = up.seconds;
    expect(up.code).toBe(0);
    expect(up.output).toMatch(/ECONNREFUSED.*; retrying/);
    expect(pi().result).toMatch(/^Pi is roughly 3\.1/);
});

test("11. kube-apiserver down for longer than the retry window: a clear failure; the next up re-attaches", async () => {
    bumpRunId();
    project.set("cluster.apiRetrySeconds", "10");
    const started = project.start("up", "--yes", "--skip-preview");
    await runningPod(`${JOB},spark-role=executor`, 180_000);
    pauseApiServer(40);
    const up = await started.done;
    expect(up.code).not.toBe(0);
    expect(up.output).toMatch(
        /job pi: lost the Kubernetes API: .* at https:\/\/127\.0\.0\.1:6443: no answer for 1\d s \(last error: .*ECONNREFUSED/,
    );
    expect(up.output).toMatch(
        /Still in the cluster: the run's Job spark-local\/pi-[a-z0-9]+ and its pods keep running without the deployer/,
    );
    expect(up.output).toMatch(
        /Cleanup: the next `pulumi up` or `pulumi refresh` re-attaches to this same run/,
    );
    expect(up.output).not.toMatch(/\n\s+at .*\.js:\d+/);
    project.set("cluster.apiRetrySeconds", "120");
    const again = project.up();
    expect(again.output).toMatch(/\[jobrun\] job pi: succeeded/);
    project.setList("jobs.pi.args", ["2", "200000"]);
});

test("12. the pi job on the Spark 4 image", async () => {
    project.set("image.baseImage", SPARK4.image);
    project.set("image.sparkVersion", SPARK4.version);
    const up = project.up();
    timings.spark4Up = up.seconds;
    const run = pi();
    expect(run.result).toMatch(/^Pi is roughly 3\.1/);
    const log = await kube.podLog(NS, run.driverPod, "spark-kubernetes-driver", 5000);
    expect(log).toMatch(
        new RegExp(`Running Spark version ${SPARK4.version.replace(/\./g, "\\.")}`),
    );
});

test("13. submitter local: spark-submit from the deployer, refused when its Spark is not the image's", () => {
    project.set("jobs.pi.submitter", "local");
    // The image is Spark 4, the deployer's spark-submit is 3.5.7: refused before anything runs.
    const refused = project.pulumi("up", "--yes", "--skip-preview");
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(
        /submitter 'local' needs spark-submit 4\.3\.0 \(image\.sparkVersion\), but spark-submit on this machine is 3\.5\.7/,
    );

    project.set("image.baseImage", SPARK35.image);
    project.set("image.sparkVersion", SPARK35.version);
    const up = project.up();
    timings.localSubmitterUp = up.seconds;
    const run = pi();
    expect(run).toMatchObject({ submitter: "local", exitCode: 0 });
    expect(run.driverPod).toMatch(/^pi-[a-z0-9]+-driver$/);
    expect(run.result).toMatch(/^Pi is roughly 3\.1/);
    expect(run.executorsStarted).toBeGreaterThanOrEqual(2);
});

interface EnvVar {
    name: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
let expected: EtlExpected;
let keys: S3Keys;

test("14. the ETL job on S3: credentials from stack secrets, hadoop-aws from image.jars, in a namespace enforcing restricted; Parquet read back with pyarrow; no credential in plain text; checkov finds nothing", async () => {
    // Volumes and placement, on real pods: an existing ConfigMap and a scratch emptyDir,
    // a nodeSelector and a toleration, for the driver and (through the template) executors.
    kubectl("-n", NS, "create", "configmap", "etl-settings", "--from-literal=mode=e2e");
    putEtlBack({
        ...etlSettings,
        job: {
            ...(etlSettings.job as Record<string, unknown>),
            volumes: {
                settings: { configMap: "etl-settings", mountPath: "/etc/etl" },
                scratch: { emptyDir: "64Mi", mountPath: "/scratch" },
            },
            nodeSelector: { "kubernetes.io/hostname": "psk-node" },
            tolerations: [{ key: "psk-e2e", operator: "Exists", effect: "NoSchedule" }],
        },
    });
    keys = stackKeys(project);
    objectStoreUp(keys);
    expected = uploadDataset(5000, 7, 3);

    // While the run runs: every process's arguments, and the run's pods as the API has them.
    const running = project.start("up", "--yes", "--skip-preview");
    const secrets = [keys.secretAccessKey, keys.accessKeyId];
    const leakingArgs = new Set<string>();
    const podsSeen = new Map<string, Record<string, unknown>>();
    let sawSparkSubmit = false;
    while (running.child.exitCode === null) {
        for (const line of allCommandLines()) {
            if (secrets.some((s) => line.includes(s))) leakingArgs.add(line.slice(0, 200));
            if (/org\.apache\.spark\.deploy\.SparkSubmit.*jobs\/etl\.py/.test(line))
                sawSparkSubmit = true;
        }
        for (const pod of kubectlItems("pods", "-n", NS, "-l", "pyspark-k8s/job=etl"))
            podsSeen.set((pod.metadata as { name: string }).name, pod);
        await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const up = await running.done;
    timings.etlUp = up.seconds;
    if (up.code !== 0) throw new Error(`pulumi up failed:\n${up.output}`);

    const run = etl();
    expect(run).toMatchObject({ submitter: "cluster", exitCode: 0, result: expected.result_line });
    expect(run.executorsStarted).toBeGreaterThanOrEqual(2);
    expect(up.output).toContain(`[jobrun] job etl: succeeded`);
    // The Parquet output, read by another reader than Spark.
    expect(readOutput()).toEqual(expected.by_region);

    // The credentials appear nowhere in plain text.
    expect(sawSparkSubmit).toBe(true);
    expect([...leakingArgs]).toEqual([]);
    const exported = project.pulumi("stack", "export");
    expect(exported.code).toBe(0);
    const podSpecs = JSON.stringify([...podsSeen.values()].map((p) => p.spec));
    const driverLog = await kube.podLog(NS, run.driverPod, "spark-kubernetes-driver", 100000);
    for (const secret of secrets) {
        expect(exported.output).not.toContain(secret);
        expect(up.output).not.toContain(secret);
        expect(podSpecs).not.toContain(secret);
        expect(driverLog).not.toContain(secret);
    }
    // ...they reach the pods by reference: the driver's and the executors' env.
    const roles = [...podsSeen.values()].map(
        (p) => (p.metadata as { labels: Record<string, string> }).labels["spark-role"],
    );
    expect(new Set(roles)).toEqual(new Set(["driver", "executor"]));
    for (const pod of podsSeen.values()) {
        const spec = pod.spec as {
            containers: { env?: EnvVar[]; volumeMounts?: { mountPath: string }[] }[];
            nodeSelector?: Record<string, string>;
            tolerations?: { key?: string }[];
        };
        expect(spec.nodeSelector).toEqual({ "kubernetes.io/hostname": "psk-node" });
        expect(spec.tolerations?.map((t) => t.key)).toContain("psk-e2e");
        expect(spec.containers[0].volumeMounts?.map((m) => m.mountPath)).toEqual(
            expect.arrayContaining(["/tmp", "/etc/etl", "/scratch"]),
        );
        const env = spec.containers[0].env ?? [];
        expect(
            env.find((e) => e.name === "AWS_SECRET_ACCESS_KEY")?.valueFrom?.secretKeyRef,
        ).toEqual({ name: "etl-secret-env", key: "AWS_SECRET_ACCESS_KEY" });
    }

    // checkov over the stack's objects and the run's pods: only the listed exceptions.
    const stackObjects = [
        ...kubectlItems("namespace", NS),
        ...kubectlItems(
            "serviceaccount,rolebinding,networkpolicy,configmap,secret,job",
            "-n",
            NS,
            "-l",
            "pyspark-k8s/stack=local",
        ),
        ...kubectlItems("clusterrole", "-l", "pyspark-k8s/stack=local"),
    ];
    const scan = checkov([...stackObjects, ...podsSeen.values()]);
    timings.checkovObjects = stackObjects.length + podsSeen.size;
    expect(scan.output).toMatch(/checkov: \d+ resources, \d+ passed, 0 failed/);
    expect(scan.code).toBe(0);
});

test("15. a wrong S3 secret fails pulumi up with the store's access error, naming no secret", () => {
    const set = (value: string) => {
        const out = project.pulumi(
            "config",
            "set",
            "--secret",
            "--path",
            "pyspark-k8s:secretEnv.etl.AWS_SECRET_ACCESS_KEY",
            "--",
            value,
        );
        if (out.code !== 0) throw new Error(out.output);
    };
    const wrong = `wrong-${keys.secretAccessKey.slice(0, 8)}-not-the-key`;
    set(wrong);
    project.set("jobs.etl.runId", "2");
    const failed = project.pulumi("up", "--yes", "--skip-preview");
    timings.etlWrongSecretUp = failed.seconds;
    expect(failed.code).not.toBe(0);
    expect(failed.output).toMatch(/job etl: .*failed/);
    expect(failed.output).toMatch(/403|Forbidden|AccessDenied|SignatureDoesNotMatch/);
    expect(failed.output).not.toContain(wrong);
    expect(failed.output).not.toContain(keys.secretAccessKey);

    set(keys.secretAccessKey);
    project.set("jobs.etl.runId", "3");
});

test("16. the ETL job with submitter local: the driver spark-submit creates gets the same hardening and secrets from its pod template", () => {
    project.set("jobs.etl.submitter", "local");
    expected = uploadDataset(3000, 11, 2);
    const up = project.up();
    timings.etlLocalSubmitterUp = up.seconds;
    const run = etl();
    expect(run).toMatchObject({ submitter: "local", exitCode: 0, result: expected.result_line });
    expect(run.driverPod).toMatch(/^etl-[a-z0-9]+-driver$/);
    expect(readOutput()).toEqual(expected.by_region);
    const driver = kubectlItems(
        "pods",
        "-n",
        NS,
        "--field-selector",
        `metadata.name=${run.driverPod}`,
    )[0];
    const spec = driver.spec as {
        securityContext: Record<string, unknown>;
        containers: { securityContext: Record<string, unknown>; env: { name: string }[] }[];
    };
    expect(spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
    });
    expect(spec.containers[0].securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
    });
    expect(spec.containers[0].env.map((e) => e.name)).toContain("AWS_SECRET_ACCESS_KEY");
    expect(JSON.stringify(spec)).not.toContain(keys.secretAccessKey);
});

test("17. a */1 schedule: a CronJob and no run during up; a successful run within 3 minutes", async () => {
    project.set("jobs.pi.submitter", "cluster");
    // A scheduled job has no result during up: it can no longer be the stack's resultJob.
    project.pulumi("config", "rm", "pyspark-k8s:resultJob");
    project.pulumi("config", "set", "--path", "pyspark-k8s:jobs.pi.schedule", "--", "*/1 * * * *");
    const up = project.up();
    expect(up.output).not.toMatch(/\[jobrun\]/);
    const record = pi();
    expect(record.cronJob).toMatch(/^pi-[a-z0-9]+$/);
    const cronJob = await getObject<{ metadata: { uid: string } }>(kube, {
        apiVersion: "batch/v1",
        kind: "CronJob",
        name: String(record.cronJob),
        namespace: NS,
    });
    expect(cronJob).toBeDefined();
    const waitStarted = Date.now();
    const complete = await pollUntil(
        async () =>
            (
                await kube.list<{
                    metadata: { ownerReferences?: { uid: string }[] };
                    status?: { succeeded?: number };
                }>(NS, "jobs", JOB)
            ).filter(
                (j) =>
                    j.metadata.ownerReferences?.some((o) => o.uid === cronJob?.metadata.uid) &&
                    (j.status?.succeeded ?? 0) > 0,
            ),
        (jobs) => jobs.length > 0,
        180_000,
    );
    timings.scheduledRunWithin = (Date.now() - waitStarted) / 1000;
    if (complete.length === 0) {
        // What the namespace looked like, for whoever reads the failure.
        process.stderr.write(
            kubectl("-n", NS, "get", "cronjobs,jobs,pods,configmaps", "-o", "wide") +
                kubectl("-n", NS, "get", "events", "--sort-by=.lastTimestamp"),
        );
    }
    expect(complete.length).toBeGreaterThan(0);
});

test("18. pulumi destroy removes every Job, CronJob, pod, service, config map and PVC of the stack, and its RBAC", async () => {
    kubectl("-n", NS, "delete", "configmap", "etl-settings"); // step 14's, not the stack's
    const destroy = project.pulumi("destroy", "--yes", "--skip-preview");
    timings.destroy = destroy.seconds;
    expect(destroy.code).toBe(0);
    for (const kind of [
        "jobs",
        "cronjobs",
        "pods",
        "services",
        "configmaps",
        "persistentvolumeclaims",
    ] as const) {
        expect(
            await pollUntil(
                () => list(kube, NS, kind, "pyspark-k8s/stack=local"),
                (l) => l.length === 0,
                60_000,
            ),
        ).toEqual([]);
        // Spark's own objects carry only its labels: none owned by anything of ours remains.
        const left = (await list(kube, NS, kind)).filter(
            (o) => o.metadata.name !== "kube-root-ca.crt",
        );
        expect(left).toEqual([]);
    }
    expect(
        await getObject(kube, {
            apiVersion: "v1",
            kind: "ServiceAccount",
            name: "spark-driver",
            namespace: NS,
        }),
    ).toBeUndefined();
    expect(
        await getObject(kube, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            name: first.clusterRole,
        }),
    ).toBeUndefined();
    expect(
        await getObject(kube, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: first.bindingKind,
            name: first.binding,
            namespace: NS,
        }),
    ).toBeUndefined();
    const ns = await getObject<ObjectView>(kube, { apiVersion: "v1", kind: "Namespace", name: NS });
    expect(ns === undefined || ns.status?.phase === "Terminating").toBe(true);
});
