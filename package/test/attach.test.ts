import { attachRun } from "../src/runner/attach";
import type { WatchTarget } from "../src/runner/kube";
import type { AttachRequest } from "../src/runner/protocol";
import type { JobView, RunPodView } from "../src/lib/runState";

const NS = "spark";
const RUN = "pi-0a1b2c3d";
const SPEC: AttachRequest = {
    job: "pi",
    namespace: NS,
    runName: RUN,
    runUid: "u1",
    resultPattern: "Pi is roughly [0-9.]+",
    startTimeoutSeconds: 20,
    runTimeoutSeconds: 600,
    apiRetrySeconds: 120,
    cluster: {},
};

const driver = (name: string, state: object, extra: object = {}): RunPodView => ({
    metadata: {
        name,
        labels: { "spark-role": "driver", "pyspark-k8s/run": RUN },
        creationTimestamp: `2026-11-25T07:00:0${name.slice(-1)}Z`,
    },
    status: {
        phase: "Running",
        containerStatuses: [{ name: "spark-kubernetes-driver", state }],
        ...extra,
    },
});
const executor = (name: string): RunPodView => ({
    metadata: { name, labels: { "spark-role": "executor", "pyspark-k8s/run": RUN } },
    status: {
        phase: "Running",
        containerStatuses: [{ name: "spark-executor", state: { running: {} } }],
    },
});
const job = (
    conditions: { type: string; reason?: string; message?: string }[] = [],
    extra: object = {},
): JobView => ({
    metadata: { name: RUN, uid: "u1" },
    spec: { activeDeadlineSeconds: 600, backoffLimit: 1 },
    status: {
        conditions: conditions.map((c) => ({ status: "True", ...c })),
        startTime: "2026-11-25T07:00:00Z",
        completionTime: "2026-11-25T07:00:14Z",
        ...extra,
    },
});
const PI_LOG = [
    "INFO KubernetesClusterSchedulerBackend$KubernetesDriverEndpoint: Registered executor NettyRpcEndpointRef(spark-client://Executor) (10.244.0.7:40000) with ID 1,  ResourceProfileId 0",
    "INFO KubernetesClusterSchedulerBackend$KubernetesDriverEndpoint: Registered executor NettyRpcEndpointRef(spark-client://Executor) (10.244.0.8:40000) with ID 2,  ResourceProfileId 0",
    "Pi is roughly 3.14159",
].join("\n");
const FAIL_LOG = [
    "Traceback (most recent call last):",
    '  File "pi.py", line 1',
    "ValueError: PARTITIONS must be a positive integer, got '-1'",
].join("\n");

/** A cluster that moves through scripted states, one per wait for news. */
class ScriptedCluster {
    t = 0;
    deleted: string[] = [];
    waits: WatchTarget[][] = [];
    private step = 0;
    constructor(
        private readonly states: { job?: JobView; pods: RunPodView[] }[],
        private readonly logs: Record<string, string> = {},
        private readonly events: object[] = [],
    ) {}
    private get state() {
        return this.states[Math.min(this.step, this.states.length - 1)];
    }
    listVersioned<T>(_ns: string, resource: string, _labels?: string, fields?: string) {
        if (resource === "events") {
            // Events are asked for by involved object, as the API server filters them.
            const name = /^involvedObject\.name=(.+)$/.exec(fields ?? "")?.[1];
            const events = (this.events as { involvedObject?: { name?: string } }[]).filter(
                (e) => e.involvedObject?.name === name,
            );
            return Promise.resolve({ items: events as T[], resourceVersion: "0" });
        }
        const items =
            resource === "jobs"
                ? this.state.job && !this.deleted.includes(RUN)
                    ? [this.state.job]
                    : []
                : this.state.pods;
        return Promise.resolve({ items: items as T[], resourceVersion: String(this.step) });
    }
    podLog(_ns: string, pod: string) {
        return Promise.resolve(this.logs[pod] ?? "");
    }
    delete(_ns: string, resource: string, name: string) {
        this.deleted.push(name);
        expect(resource).toBe("jobs");
        return Promise.resolve();
    }
    waitForChange(targets: readonly WatchTarget[], timeoutMs: number) {
        if (this.t > 3_600_000)
            throw new Error(
                "the run was followed for an hour of fake time: a loop that never ends",
            );
        this.waits.push([...targets]);
        if (this.step < this.states.length - 1) this.step++;
        else this.t += timeoutMs;
        this.t += 1000;
        return Promise.resolve();
    }
}

function deps(cluster: ScriptedCluster) {
    const lines: string[] = [];
    return {
        lines,
        deps: {
            kube: cluster,
            now: () => cluster.t,
            log: (m: string) => lines.push(m),
            tickMs: 5000,
        },
    };
}

async function failure(promise: Promise<unknown>): Promise<string> {
    try {
        await promise;
    } catch (err) {
        return (err as Error).message;
    }
    throw new Error("expected the run to fail");
}

describe("attachRun", () => {
    it("follows a run to success, with live progress, the result line, executors and attempts", async () => {
        const cluster = new ScriptedCluster(
            [
                {
                    job: job(),
                    pods: [
                        driver(
                            `${RUN}-x1`,
                            { waiting: { reason: "ContainerCreating" } },
                            { phase: "Pending" },
                        ),
                    ],
                },
                {
                    job: job(),
                    pods: [
                        driver(`${RUN}-x1`, { running: {} }),
                        executor(`${RUN}-x1-exec-1`),
                        executor(`${RUN}-x1-exec-2`),
                    ],
                },
                {
                    job: job([{ type: "Complete" }]),
                    pods: [
                        driver(
                            `${RUN}-x1`,
                            { terminated: { exitCode: 0, reason: "Completed" } },
                            { phase: "Succeeded" },
                        ),
                    ],
                },
            ],
            { [`${RUN}-x1`]: PI_LOG },
        );
        const { lines, deps: d } = deps(cluster);
        const outcome = await attachRun(SPEC, d);
        expect(outcome).toEqual({
            runName: RUN,
            driverPod: `${RUN}-x1`,
            namespace: NS,
            exitCode: 0,
            durationSeconds: 14,
            result: "Pi is roughly 3.14159",
            executorsStarted: 2,
            attempts: 1,
            // Neither the log nor the last look's pods name the application.
            appId: "",
        });
        expect(lines.join("\n")).toMatch(/attempt 1, driver pod pi-0a1b2c3d-x1: ContainerCreating/);
        expect(lines.join("\n")).toMatch(/attempt 1, driver pod pi-0a1b2c3d-x1: running/);
        expect(lines.join("\n")).toMatch(/executor pi-0a1b2c3d-x1-exec-2: started/);
        expect(lines[lines.length - 1]).toBe("job pi: succeeded in 14s: Pi is roughly 3.14159");
    });

    it("waits by watching the run's pods and its Job from the listed resource versions", async () => {
        const cluster = new ScriptedCluster(
            [
                { job: job(), pods: [driver(`${RUN}-x1`, { running: {} })] },
                {
                    job: job([{ type: "Complete" }]),
                    pods: [
                        driver(
                            `${RUN}-x1`,
                            { terminated: { exitCode: 0 } },
                            { phase: "Succeeded" },
                        ),
                    ],
                },
            ],
            { [`${RUN}-x1`]: PI_LOG },
        );
        await attachRun(SPEC, deps(cluster).deps);
        expect(cluster.waits).toEqual([
            [
                {
                    resource: "pods",
                    namespace: NS,
                    labelSelector: `pyspark-k8s/run=${RUN}`,
                    resourceVersion: "0",
                },
                {
                    resource: "jobs",
                    namespace: NS,
                    fieldSelector: `metadata.name=${RUN}`,
                    resourceVersion: "0",
                },
            ],
        ]);
    });

    it("re-attached to a run that already ended, reports the same outcome, executors counted from the log", async () => {
        const cluster = new ScriptedCluster(
            [
                {
                    job: job([{ type: "Complete" }]),
                    pods: [
                        driver(
                            `${RUN}-x1`,
                            { terminated: { exitCode: 0 } },
                            { phase: "Succeeded" },
                        ),
                    ],
                },
            ],
            { [`${RUN}-x1`]: PI_LOG },
        );
        const outcome = await attachRun(SPEC, deps(cluster).deps);
        expect(outcome).toMatchObject({
            driverPod: `${RUN}-x1`,
            result: "Pi is roughly 3.14159",
            executorsStarted: 2,
        });
        expect(cluster.waits).toEqual([]);
        expect(cluster.deleted).toEqual([]);
    });

    it("fails after the retries with the last attempt's exit code, reason, Python error and log tail, keeping the Job", async () => {
        const failedPod = (n: number) =>
            driver(
                `${RUN}-x${n}`,
                { terminated: { exitCode: 1, reason: "Error" } },
                { phase: "Failed" },
            );
        const cluster = new ScriptedCluster(
            [
                {
                    job: job([
                        {
                            type: "Failed",
                            reason: "BackoffLimitExceeded",
                            message: "Job has reached the specified backoff limit",
                        },
                    ]),
                    pods: [failedPod(1), failedPod(2)],
                },
            ],
            { [`${RUN}-x2`]: FAIL_LOG },
        );
        const message = await failure(attachRun(SPEC, deps(cluster).deps));
        expect(message).toContain(
            `job pi: run spark/${RUN} failed: application failure: exit code 1 (Error)`,
        );
        expect(message).toContain(
            "attempts: 2 (retries allowed: 1); the Job says BackoffLimitExceeded: Job has reached the specified backoff limit",
        );
        expect(message).toContain(
            "python error: ValueError: PARTITIONS must be a positive integer, got '-1'",
        );
        expect(message).toContain(`--- last 40 lines of the driver log (spark/${RUN}-x2) ---`);
        expect(message).not.toMatch(/\n\s+at /);
        expect(cluster.deleted).toEqual([]);
    });

    it("tells an infrastructure failure (eviction) from the application's", async () => {
        const evicted = driver(
            `${RUN}-x1`,
            { terminated: { exitCode: 137, reason: "Error" } },
            {
                phase: "Failed",
                conditions: [
                    {
                        type: "DisruptionTarget",
                        status: "True",
                        reason: "EvictionByEvictionAPI",
                        message: "Eviction API: evicting",
                    },
                ],
            },
        );
        const cluster = new ScriptedCluster([
            {
                job: job([
                    {
                        type: "Failed",
                        reason: "BackoffLimitExceeded",
                        message: "Job has reached the specified backoff limit",
                    },
                ]),
                pods: [evicted],
            },
        ]);
        const message = await failure(attachRun(SPEC, deps(cluster).deps));
        expect(message).toContain(
            "failed: infrastructure failure: EvictionByEvictionAPI: Eviction API: evicting",
        );
    });

    it("fails a driver that cannot start within the bound, saying why, and deletes the Job so the pod never starts later", async () => {
        const pending = driver(
            `${RUN}-x1`,
            {},
            {
                phase: "Pending",
                containerStatuses: [],
                conditions: [
                    {
                        type: "PodScheduled",
                        status: "False",
                        reason: "Unschedulable",
                        message: "0/1 nodes are available: 1 Insufficient memory.",
                    },
                ],
            },
        );
        const cluster = new ScriptedCluster([{ job: job(), pods: [pending] }]);
        const message = await failure(attachRun(SPEC, deps(cluster).deps));
        expect(message).toMatch(
            /could not start its driver within 20s \(startTimeoutSeconds\): Unschedulable: 0\/1 nodes are available: 1 Insufficient memory/,
        );
        expect(cluster.deleted).toEqual([RUN]);
        expect(cluster.t).toBeGreaterThanOrEqual(20_000);
        expect(cluster.t).toBeLessThan(30_000);
    });

    it("keeps the start failure when deleting the Job fails too, and adds the clean-up's error", async () => {
        const bad = driver(
            `${RUN}-x1`,
            { waiting: { reason: "InvalidImageName", message: "bad ref" } },
            { phase: "Pending" },
        );
        const cluster = new ScriptedCluster([{ job: job(), pods: [bad] }]);
        cluster.delete = () =>
            Promise.reject(
                Object.assign(new Error("HTTP 403"), {
                    code: 403,
                    body: '{"message":"jobs is forbidden"}',
                }),
            );
        const message = await failure(attachRun(SPEC, deps(cluster).deps));
        expect(message).toMatch(
            /^job pi: run spark\/pi-0a1b2c3d could not start its driver and never will: InvalidImageName: bad ref\n/,
        );
        expect(message).toContain(
            "Deleting the run's Job spark/pi-0a1b2c3d failed too (HTTP 403: jobs is forbidden)",
        );
    });

    it("fails at once on an image name that can never be pulled", async () => {
        const bad = driver(
            `${RUN}-x1`,
            { waiting: { reason: "InvalidImageName", message: "bad ref" } },
            { phase: "Pending" },
        );
        const cluster = new ScriptedCluster([{ job: job(), pods: [bad] }]);
        expect(await failure(attachRun(SPEC, deps(cluster).deps))).toMatch(
            /could not start its driver and never will: InvalidImageName: bad ref/,
        );
        expect(cluster.t).toBe(0);
    });

    it("fails at once when the Job controller cannot create the pod for want of its ServiceAccount", async () => {
        const cluster = new ScriptedCluster([{ job: job(), pods: [] }], {}, [
            {
                type: "Warning",
                reason: "FailedCreate",
                message:
                    'Error creating: pods "x" is forbidden: error looking up service account spark/nobody: serviceaccount "nobody" not found',
                involvedObject: { name: RUN },
            },
            {
                type: "Warning",
                reason: "Other",
                message: "another Job's",
                involvedObject: { name: "other" },
            },
        ]);
        expect(await failure(attachRun(SPEC, deps(cluster).deps))).toMatch(
            /could not start its driver and never will: FailedCreate: Error creating: .*serviceaccount "nobody" not found/,
        );
        expect(cluster.t).toBe(0);
        expect(cluster.deleted).toEqual([RUN]);
    });

    it("fails clearly when the run's Job is gone", async () => {
        const cluster = new ScriptedCluster([{ job: undefined, pods: [] }]);
        expect(await failure(attachRun(SPEC, deps(cluster).deps))).toMatch(
            /job pi: the run's Job spark\/pi-0a1b2c3d does not exist .*`pulumi up --refresh` creates it again/,
        );
    });

    it("fails a successful driver whose log has no result line", async () => {
        const cluster = new ScriptedCluster(
            [
                {
                    job: job([{ type: "Complete" }]),
                    pods: [
                        driver(
                            `${RUN}-x1`,
                            { terminated: { exitCode: 0 } },
                            { phase: "Succeeded" },
                        ),
                    ],
                },
            ],
            { [`${RUN}-x1`]: "nothing to see" },
        );
        expect(await failure(attachRun(SPEC, deps(cluster).deps))).toMatch(
            /succeeded, but no line of its driver log matches resultPattern/,
        );
    });

    describe("says how a run ended, each way its own", () => {
        const failedJob = (reason: string, message = "") =>
            job([{ type: "Failed", reason, message }]);

        it("a run stopped by its deadline: the setting and the time, not a start failure", async () => {
            const cluster = new ScriptedCluster([
                { job: job(), pods: [driver(`${RUN}-x1`, { running: {} })] },
                // The Job controller has killed the driver and not yet said why.
                { job: job(), pods: [] },
                { job: job(), pods: [] },
                { job: job(), pods: [] },
                {
                    job: job([
                        {
                            type: "FailureTarget",
                            reason: "DeadlineExceeded",
                            message: "Job was active longer than specified deadline",
                        },
                    ]),
                    pods: [],
                },
            ]);
            cluster.t = 0;
            const message = await failure(
                attachRun({ ...SPEC, startTimeoutSeconds: 1 }, deps(cluster).deps),
            );
            expect(message).toMatch(
                /^job pi: run spark\/pi-0a1b2c3d was stopped by its deadline after 600 s \(runTimeoutSeconds=600\)/,
            );
            expect(message).not.toMatch(/could not start|application failure/);
            expect(cluster.deleted).toEqual([]);
        });

        it("a driver that lost the Kubernetes API: an infrastructure failure, and the next attempt runs", async () => {
            const lost = driver(
                `${RUN}-x1`,
                { terminated: { exitCode: 75, reason: "Error" } },
                { phase: "Failed" },
            );
            const cluster = new ScriptedCluster(
                [
                    { job: job(), pods: [lost] },
                    { job: job(), pods: [lost, driver(`${RUN}-x2`, { running: {} })] },
                    {
                        job: job([{ type: "Complete" }]),
                        pods: [
                            lost,
                            driver(
                                `${RUN}-x2`,
                                { terminated: { exitCode: 0 } },
                                { phase: "Succeeded" },
                            ),
                        ],
                    },
                ],
                { [`${RUN}-x2`]: PI_LOG },
            );
            const { lines, deps: d } = deps(cluster);
            const outcome = await attachRun(SPEC, d);
            expect(lines.join("\n")).toContain(
                `attempt 1, driver pod ${RUN}-x1: infrastructure failure: the driver lost the Kubernetes API (exit code 75); this attempt does not count against retries`,
            );
            expect(outcome).toMatchObject({
                driverPod: `${RUN}-x2`,
                attempts: 2,
                result: "Pi is roughly 3.14159",
            });
        });

        it("a driver out of memory: the application's failure, naming the settings to raise", async () => {
            const oom = driver(
                `${RUN}-x1`,
                { terminated: { exitCode: 137, reason: "OOMKilled" } },
                { phase: "Failed" },
            );
            const cluster = new ScriptedCluster([
                { job: failedJob("BackoffLimitExceeded"), pods: [oom] },
            ]);
            expect(await failure(attachRun(SPEC, deps(cluster).deps))).toMatch(
                /failed: application failure: the driver ran out of memory \(OOMKilled, exit code 137\): raise driver.memory or driver.memoryOverhead/,
            );
        });

        it("a lost node: an infrastructure failure", async () => {
            const gone = driver(
                `${RUN}-x1`,
                { running: {} },
                { phase: "Failed", reason: "NodeLost", message: "node psk-node is not responding" },
            );
            const cluster = new ScriptedCluster([
                { job: failedJob("BackoffLimitExceeded"), pods: [gone] },
            ]);
            expect(await failure(attachRun(SPEC, deps(cluster).deps))).toMatch(
                /failed: infrastructure failure: NodeLost: node psk-node is not responding/,
            );
        });

        it("a variable from a Secret that does not exist: fails at once", async () => {
            const noSecret = driver(
                `${RUN}-x1`,
                {
                    waiting: {
                        reason: "CreateContainerConfigError",
                        message: 'secret "s3-keys" not found',
                    },
                },
                { phase: "Pending" },
            );
            const cluster = new ScriptedCluster([{ job: job(), pods: [noSecret] }]);
            expect(await failure(attachRun(SPEC, deps(cluster).deps))).toMatch(
                /could not start its driver and never will: CreateContainerConfigError: secret "s3-keys" not found/,
            );
            expect(cluster.t).toBe(0);
        });

        it("a volume from a ConfigMap that does not exist: fails at once, from the pod's events", async () => {
            const mounting = driver(
                `${RUN}-x1`,
                { waiting: { reason: "ContainerCreating" } },
                { phase: "Pending" },
            );
            const cluster = new ScriptedCluster([{ job: job(), pods: [mounting] }], {}, [
                {
                    type: "Warning",
                    reason: "FailedMount",
                    message:
                        'MountVolume.SetUp failed for volume "vol-data" : configmap "data" not found',
                    involvedObject: { name: `${RUN}-x1` },
                },
            ]);
            expect(await failure(attachRun(SPEC, deps(cluster).deps))).toMatch(
                /could not start its driver and never will: FailedMount: MountVolume.SetUp failed for volume "vol-data" : configmap "data" not found/,
            );
            expect(cluster.t).toBe(0);
        });

        it("a Job of the same name that is not the run's: says it was replaced", async () => {
            const cluster = new ScriptedCluster([
                { job: { ...job(), metadata: { name: RUN, uid: "other" } }, pods: [] },
            ]);
            expect(await failure(attachRun(SPEC, deps(cluster).deps))).toMatch(
                /the run's Job spark\/pi-0a1b2c3d was replaced by another Job of the same name/,
            );
        });
    });
});
