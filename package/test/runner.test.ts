import { RunFailure } from "../src/lib/runMessages";
import { RunSpec } from "../src/lib/runSpec";
import { removeJob, runJob } from "../src/runner/runner";
import { piSpec } from "./fixtures/specs";
import { FakeCluster, fakeDeps, pending, running, terminated, unschedulable } from "./standins";

const MASTER = "k8s://https://127.0.0.1:6443";

function spec(overrides: Partial<RunSpec> = {}): RunSpec {
    return {
        ...piSpec({
            resultPattern: "Pi is roughly [0-9.]+",
            startTimeoutSeconds: 60,
            runTimeoutSeconds: 300,
        }),
        ...overrides,
    };
}

async function failure(promise: Promise<unknown>): Promise<string> {
    try {
        await promise;
    } catch (err) {
        expect(err).toBeInstanceOf(RunFailure);
        return (err as Error).message;
    }
    throw new Error("expected the run to fail");
}

const PI_LOG =
    "26/11/24 INFO SparkContext: Running Spark version 3.5.7\nPi is roughly 3.14172\n26/11/24 INFO SparkContext: Successfully stopped SparkContext\n";
const TRACEBACK_LOG = [
    "26/11/24 INFO SparkContext: Running Spark version 3.5.7",
    "Traceback (most recent call last):",
    '  File "/opt/spark/work-dir/app/jobs/pi.py", line 60, in <module>',
    "    main(sys.argv[1:])",
    "ValueError: PARTITIONS must be a positive integer, got '-1'",
    "26/11/24 INFO ShutdownHookManager: Shutdown hook called",
].join("\n");

describe("runJob", () => {
    it("succeeds when the driver container exits 0, with the result line and the executors that started", async () => {
        const cluster = new FakeCluster("spark");
        cluster.log = PI_LOG;
        const deps = fakeDeps(cluster, {
            exitCode: 0,
            driver: [
                { seconds: 5, status: pending() },
                { seconds: 20, status: running, executors: 2 },
                { seconds: 1, status: terminated(0, "Completed") },
            ],
        });
        const outcome = await runJob(spec(), MASTER, deps);
        expect(outcome).toEqual({
            runName: "pi-run1",
            namespace: "spark",
            driverPod: "pi-run1-driver",
            exitCode: 0,
            durationSeconds: expect.any(Number),
            result: "Pi is roughly 3.14172",
            executorsStarted: 2,
            attempts: 1,
            appId: "",
        });
        expect(outcome.durationSeconds).toBeGreaterThanOrEqual(25);
        expect(deps.submittedArgs[0]).toEqual(
            expect.arrayContaining([
                "--master",
                MASTER,
                "--deploy-mode",
                "cluster",
                "spark.kubernetes.submission.waitAppCompletion=false",
            ]),
        );
        // A successful run keeps its completed driver pod (for logs) until destroy or re-run.
        expect(cluster.remaining("pods")).toContain("pi-run1-driver");
    });

    it("fails when the driver failed although spark-submit exited 0, with exit code, reason, Python error and log tail", async () => {
        const cluster = new FakeCluster("spark");
        cluster.log = TRACEBACK_LOG;
        const deps = fakeDeps(cluster, {
            exitCode: 0,
            driver: [
                { seconds: 3, status: running, executors: 2 },
                { seconds: 1, status: terminated(1, "Error") },
            ],
        });
        const message = await failure(runJob(spec(), MASTER, deps));
        expect(message).toMatch(
            /^job pi: run spark\/pi-run1 failed: application failure: exit code 1 \(Error\) \(spark-submit exit code: 0\)/,
        );
        expect(message).toContain(
            "python error: ValueError: PARTITIONS must be a positive integer, got '-1'",
        );
        expect(message).toContain(
            "--- last 40 lines of the driver log (spark/pi-run1-driver) ---\n26/11/24 INFO SparkContext",
        );
        // Nothing of a failed run is left behind: Pulumi keeps no state for a failed create.
        expect(cluster.remaining("pods")).toEqual([]);
        expect(cluster.remaining("services")).toEqual([]);
        expect(cluster.remaining("configmaps")).toEqual([]);
    });

    it("reports an OOM-killed driver with its reason", async () => {
        const cluster = new FakeCluster("spark");
        const deps = fakeDeps(cluster, {
            exitCode: 0,
            driver: [
                { seconds: 2, status: running },
                { seconds: 1, status: terminated(137, "OOMKilled") },
            ],
        });
        expect(await failure(runJob(spec(), MASTER, deps))).toMatch(
            /failed: application failure: the driver ran out of memory \(OOMKilled, exit code 137\): raise driver.memory or driver.memoryOverhead/,
        );
    });

    it("fails within startTimeoutSeconds when the driver is never scheduled, saying why", async () => {
        const cluster = new FakeCluster("spark");
        const deps = fakeDeps(cluster, {
            exitCode: 0,
            driver: [
                {
                    seconds: 1e9,
                    status: unschedulable("0/1 nodes are available: 1 Insufficient memory."),
                },
            ],
        });
        const message = await failure(runJob(spec({ startTimeoutSeconds: 45 }), MASTER, deps));
        expect(message).toBe(
            "job pi: run spark/pi-run1 could not start its driver within 45s (startTimeoutSeconds): Unschedulable: 0/1 nodes are available: 1 Insufficient memory.\n" +
                "The run's pods were removed; the next `pulumi up` runs the job again.",
        );
        expect(cluster.now).toBeGreaterThanOrEqual(45_000);
        expect(cluster.now).toBeLessThan(48_000);
        expect(cluster.remaining("pods")).toEqual([]);
    });

    it("fails within startTimeoutSeconds on an image pull error", async () => {
        const cluster = new FakeCluster("spark");
        const deps = fakeDeps(cluster, {
            exitCode: 0,
            driver: [
                {
                    seconds: 1e9,
                    status: pending({
                        reason: "ImagePullBackOff",
                        message: 'Back-off pulling image "r/j@sha256:aaa"',
                    }),
                },
            ],
        });
        const message = await failure(runJob(spec({ startTimeoutSeconds: 30 }), MASTER, deps));
        expect(message).toMatch(
            /could not start its driver within 30s \(startTimeoutSeconds\): ImagePullBackOff: Back-off pulling image/,
        );
        expect(cluster.now).toBeLessThan(33_000);
    });

    it("fails at once on an image name that can never be pulled", async () => {
        const cluster = new FakeCluster("spark");
        const deps = fakeDeps(cluster, {
            exitCode: 0,
            driver: [
                {
                    seconds: 1e9,
                    status: pending({
                        reason: "InvalidImageName",
                        message: "couldn't parse image reference",
                    }),
                },
            ],
        });
        expect(await failure(runJob(spec(), MASTER, deps))).toMatch(
            /could not start its driver and never will: InvalidImageName/,
        );
        expect(cluster.now).toBeLessThan(5_000);
    });

    it("fails with spark-submit's own error when it cannot create the driver (e.g. a missing service account)", async () => {
        const cluster = new FakeCluster("spark");
        const output =
            'Exception in thread "main" io.fabric8.kubernetes.client.KubernetesClientException: Failure executing: POST at: https://127.0.0.1:6443/api/v1/namespaces/spark/pods. Message: pods "pi-run1-driver" is forbidden: error looking up service account spark/spark-driver: serviceaccount "spark-driver" not found.';
        const deps = fakeDeps(cluster, { exitCode: 1, output });
        const message = await failure(runJob(spec(), MASTER, deps));
        expect(message).toMatch(
            /^job pi: run spark\/pi-run1 could not start: spark-submit exited with code 1 before the driver pod existed:/,
        );
        expect(message).toContain('serviceaccount "spark-driver" not found');
    });

    it("fails when spark-submit exits 0 but no driver pod ever appears", async () => {
        const cluster = new FakeCluster("spark");
        const deps = fakeDeps(cluster, { exitCode: 0 });
        expect(await failure(runJob(spec({ startTimeoutSeconds: 20 }), MASTER, deps))).toMatch(
            /could not start: its driver pod did not appear within 20s \(spark-submit exited 0/,
        );
    });

    it("kills an application that runs past runTimeoutSeconds and removes its pods", async () => {
        const cluster = new FakeCluster("spark");
        const deps = fakeDeps(cluster, {
            exitCode: 0,
            driver: [
                { seconds: 2, status: pending() },
                { seconds: 1e9, status: running, executors: 2 },
            ],
        });
        const message = await failure(runJob(spec({ runTimeoutSeconds: 100 }), MASTER, deps));
        expect(message).toMatch(
            /^job pi: run spark\/pi-run1 was stopped by its deadline after 100 s \(runTimeoutSeconds=100\)/,
        );
        expect(cluster.now).toBeLessThan(105_000);
        expect(cluster.remaining("pods")).toEqual([]);
        expect(cluster.deleted).toEqual(
            expect.arrayContaining([
                "pods/pi-run1-driver",
                "pods/pi-run1-exec-1",
                "pods/pi-run1-exec-2",
                "services/pi-run1-driver-svc",
                "configmaps/pi-run1-driver-conf",
            ]),
        );
    });

    it("fails a successful driver whose log has no result line", async () => {
        const cluster = new FakeCluster("spark");
        cluster.log = "nothing to see\n";
        const deps = fakeDeps(cluster, {
            exitCode: 0,
            driver: [
                { seconds: 1, status: running },
                { seconds: 1, status: terminated(0, "Completed") },
            ],
        });
        expect(await failure(runJob(spec(), MASTER, deps))).toMatch(
            /succeeded, but no line of its driver log matches resultPattern \/Pi is roughly \[0-9.\]\+\//,
        );
    });

    it("succeeds with an empty result when the job has no resultPattern", async () => {
        const cluster = new FakeCluster("spark");
        const deps = fakeDeps(cluster, {
            exitCode: 0,
            driver: [
                { seconds: 1, status: running },
                { seconds: 1, status: terminated(0, "Completed") },
            ],
        });
        expect((await runJob(spec({ resultPattern: undefined }), MASTER, deps)).result).toBe("");
    });
});

describe("removeJob", () => {
    it("deletes the driver, its executors and the services and config maps it owns, and waits for the pods to go", async () => {
        const cluster = new FakeCluster("spark");
        cluster.log = PI_LOG;
        const deps = fakeDeps(cluster, {
            exitCode: 0,
            driver: [{ seconds: 1e9, status: running, executors: 3 }],
        });
        cluster.createDriver(
            "pi-old-driver",
            {
                "pyspark-k8s/project": "pyspark-k8s",
                "pyspark-k8s/stack": "test",
                "pyspark-k8s/job": "pi",
                "pyspark-k8s/run": "old",
            },
            [{ seconds: 1e9, status: running, executors: 3 }],
        );
        await cluster.list("spark", "pods");
        const counts = await removeJob(
            { project: "pyspark-k8s", stack: "test", job: "pi", namespace: "spark" },
            deps,
        );
        expect(counts).toEqual({ pods: 4, services: 1, configmaps: 1, persistentvolumeclaims: 0 });
        expect(cluster.remaining("pods")).toEqual([]);
        expect(cluster.remaining("services")).toEqual([]);
    });

    it("leaves other jobs' and other stacks' pods alone", async () => {
        const cluster = new FakeCluster("spark");
        const deps = fakeDeps(cluster, { exitCode: 0 });
        cluster.createDriver(
            "etl-x-driver",
            {
                "pyspark-k8s/project": "pyspark-k8s",
                "pyspark-k8s/stack": "test",
                "pyspark-k8s/job": "etl",
            },
            [{ seconds: 1e9, status: running }],
        );
        const counts = await removeJob(
            { project: "pyspark-k8s", stack: "test", job: "pi", namespace: "spark" },
            deps,
        );
        expect(counts.pods).toBe(0);
        expect(cluster.remaining("pods")).toEqual(["etl-x-driver"]);
    });
});
