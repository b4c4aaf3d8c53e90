/**
 * What the runs show of themselves, on the real local cluster: every run's event log in
 * the object store and the History Server over them (both submitters, Spark 3.5.7 and
 * 4.3.0, scheduled runs), every pod's log kept per run (a failed run, a lost executor, a
 * killed deployer; after the Job is replaced and destroyed), the drivers' metrics in a real
 * Prometheus, the run's page in headless Chromium; and bad input failing early, naming the
 * setting. Prometheus and Chromium are brought up by scripts/e2e.sh.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { S3Keys, kubectl, objectStoreUp } from "./etl";
import { Case, CaseSettings, killGroup, pollUntil } from "./harness";
import {
    EVENT_LOG_DIR,
    HISTORY_BUCKET,
    LOGS_DIR,
    STORE,
    buildJobImage,
    chromium,
    containerMemoryMiB,
    eventLogText,
    historyApi,
    keptLogs,
    localStackKeys,
    prepareHistoryBucket,
    promQuery,
    setStoreKeys,
    storeKeysUnder,
    visibleText,
} from "./observe";

/**
 * The pi job: about 15 s of tasks, so that one-second scrapes see its counts grow (with 8
 * tasks, 4 s, a run could end between the scrapes that found its driver).
 */
function pi(changes: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        app: "jobs/pi.py",
        args: ["32", "400000"],
        resultPattern: "Pi is roughly [0-9.]+",
        driver: { coreRequest: "250m", memoryOverhead: "256m" },
        executor: { instances: 2, coreRequest: "250m", memoryOverhead: "256m" },
        startTimeoutSeconds: 180,
        ...changes,
    };
}

const OBSERVABILITY = {
    store: STORE,
    eventLog: { dir: EVENT_LOG_DIR },
    historyServer: { updateIntervalSeconds: 3, readyTimeoutSeconds: 300 },
    podLogs: { dir: LOGS_DIR, retentionDays: 14 },
    metrics: { prometheus: true },
};

interface Run {
    runName: string;
    namespace: string;
    driverPod: string;
    executorsStarted: number;
    appId: string;
    historyUrl: string;
    logs: string;
    result: string;
    submitter: string;
}
interface App {
    id: string;
    name: string;
    attempts: { completed: boolean; appSparkVersion: string }[];
}

/** Where the test leaves what a person would look at (the screenshot). */
const ARTIFACTS = process.env.E2E_ARTIFACTS ?? fs.mkdtempSync(path.join(os.tmpdir(), "psk-e2e-"));

/** Waits until the History Server lists the application as completed; returns it. */
async function completedApp(url: string, appId: string, boundMs = 90_000): Promise<App> {
    const app = await pollUntil(
        () => historyApi<App>(url, `/applications/${appId}`).catch(() => undefined),
        (a) => a?.attempts[0]?.completed === true,
        boundMs,
    );
    if (!app) throw new Error(`the History Server at ${url} does not list ${appId}`);
    return app;
}

/** The newest Job of a job in a namespace (a run that failed is not in jobRuns). */
function newestJob(namespace: string, job: string): string {
    const jobs = JSON.parse(
        kubectl(
            "get",
            "jobs",
            "-n",
            namespace,
            "-l",
            `pyspark-k8s/job=${job}`,
            "--sort-by=.metadata.creationTimestamp",
            "-o",
            "json",
        ),
    ) as { items: { metadata: { name: string } }[] };
    const last = jobs.items[jobs.items.length - 1];
    if (!last) throw new Error(`no Job of ${job} in ${namespace}`);
    return last.metadata.name;
}

/** The Jobs a job's CronJob started that succeeded, by name. */
function scheduledRunsDone(namespace: string): string[] {
    const jobs = JSON.parse(
        kubectl("get", "jobs", "-n", namespace, "-l", "pyspark-k8s/job=pi", "-o", "json"),
    ) as {
        items: {
            metadata: { name: string; ownerReferences?: { kind: string }[] };
            status: { succeeded?: number };
        }[];
    };
    return jobs.items
        .filter(
            (j) =>
                j.metadata.ownerReferences?.some((o) => o.kind === "CronJob") &&
                (j.status.succeeded ?? 0) > 0,
        )
        .map((j) => j.metadata.name);
}

/** Kept logs of a run, waited for until `done` accepts them. */
function logsOf(
    namespace: string,
    run: string,
    done: (logs: Record<string, string>) => boolean,
): Promise<Record<string, string>> {
    return pollUntil(
        () => Promise.resolve(keptLogs(`${LOGS_DIR}/${namespace}/${run}/`)),
        done,
        90_000,
    );
}

describe("observing the runs", () => {
    let c: Case;
    let keys: S3Keys;
    let historyUrl = "";
    const first: Record<string, Run> = {};
    beforeAll(() => {
        c = new Case("observe", {
            jobs: { pi: pi(), "pi-local": pi({ submitter: "local" }) },
            resultJob: "pi",
            observability: OBSERVABILITY,
        });
        keys = localStackKeys();
        objectStoreUp(keys);
        prepareHistoryBucket();
        setStoreKeys(c, keys);
    });
    afterAll(() => c.destroy());

    const runs = () => c.outputs().jobRuns as Record<string, Run>;
    /** The first update's runs, both submitters'; the cases after it look at them. */
    const seen = (): Run[] => {
        if (Object.keys(first).length !== 2)
            throw new Error("the first pulumi up did not record both runs");
        return Object.values(first);
    };

    it("pulumi up: the History Server and the log keeper are ready, and each run records its application, its page and its logs", () => {
        const up = c.up();
        const outputs = c.outputs();
        historyUrl = (outputs.historyServer as { url: string }).url;
        expect(historyUrl).toMatch(/^http:\/\/10\.96\.\d+\.\d+:18080$/);
        expect((outputs.historyServer as { portForward: string }).portForward).toBe(
            "kubectl -n e2e-observe port-forward service/spark-history 18080:18080",
        );
        for (const [job, run] of Object.entries(runs())) {
            first[job] = run;
            expect(run.appId).toMatch(/^spark-[0-9a-f]{32}$/);
            expect(run.historyUrl).toBe(`${historyUrl}/history/${run.appId}/jobs/`);
            expect(run.logs).toBe(`${LOGS_DIR}/e2e-observe/${run.runName}/`);
        }
        expect(Object.keys(first).sort()).toEqual(["pi", "pi-local"]);
        expect(first["pi-local"].submitter).toBe("local");
        // What the History Server costs: from its pod's creation to Ready, and its memory.
        const pod = JSON.parse(
            kubectl(
                "get",
                "pods",
                "-n",
                c.namespace,
                "-l",
                "app.kubernetes.io/name=spark-history-server",
                "-o",
                "json",
            ),
        ) as {
            items: {
                metadata: { name: string; creationTimestamp: string };
                status: { conditions: { type: string; lastTransitionTime: string }[] };
            }[];
        };
        const server = pod.items[0];
        const ready = server.status.conditions.find((x) => x.type === "Ready");
        const startSeconds =
            (Date.parse(ready?.lastTransitionTime ?? "") -
                Date.parse(server.metadata.creationTimestamp)) /
            1000;
        process.stderr.write(
            `[e2e] History Server: ready ${startSeconds} s after its pod was created; memory ${containerMemoryMiB(c.namespace, server.metadata.name)} MiB; pulumi up ${up.seconds.toFixed(1)} s\n`,
        );
        expect(startSeconds).toBeGreaterThan(0);
    });

    it("the History Server shows the runs of both submitters, completed, with their jobs", async () => {
        for (const run of seen()) {
            const app = await completedApp(historyUrl, run.appId);
            expect(app.attempts[0].appSparkVersion).toBe("3.5.7");
            const jobs = await historyApi<{ status: string }[]>(
                historyUrl,
                `/applications/${run.appId}/jobs`,
            );
            expect(jobs.map((j) => j.status)).toEqual(["SUCCEEDED"]);
        }
    });

    it("each run's event log is in the store, rolling and compressed, and names its application", () => {
        for (const run of seen()) {
            const files = storeKeysUnder(HISTORY_BUCKET, `events/eventlog_v2_${run.appId}/`);
            const events = files.filter((k) => /\/events_\d+_.*\.zstd$/.test(k));
            expect(events.length).toBeGreaterThan(0);
            const text = eventLogText(events[0]);
            expect(text).toContain('"Event":"SparkListenerApplicationStart"');
            expect(text).toContain(run.appId);
            for (const secret of [keys.secretAccessKey, keys.accessKeyId])
                expect(text).not.toContain(secret);
        }
    });

    it("every pod's log of each run is kept, and the keeper prints them without the store's keys", async () => {
        for (const run of seen()) {
            const logs = await logsOf(c.namespace, run.runName, (l) =>
                (l[run.driverPod] ?? "").includes("Pi is roughly"),
            );
            const executors = Object.keys(logs).filter((p) => p.includes("-exec-"));
            expect(executors.length).toBeGreaterThanOrEqual(run.executorsStarted);
            for (const executor of executors)
                expect(logs[executor]).toMatch(/CoarseGrainedExecutorBackend|Executor/);
        }
        const printed = kubectl(
            "-n",
            c.namespace,
            "exec",
            "deploy/log-keeper",
            "--",
            "python3",
            "/opt/psk-log-keeper/log_keeper.py",
            "print",
            first.pi.logs,
        );
        expect(printed).toContain(`===== ${first.pi.driverPod} =====`);
        expect(printed).toMatch(/Pi is roughly 3\.1/);
    });

    it("the drivers' metrics reached Prometheus: the run's completed tasks", async () => {
        for (const run of seen()) {
            const series = await pollUntil(
                () =>
                    promQuery(
                        `max_over_time(metrics_executor_completedTasks_total{application_id="${run.appId}"}[1h])`,
                    ),
                (s) => s.length > 0,
                30_000,
            );
            const completed = series.reduce((sum, s) => sum + Number(s.value[1]), 0);
            expect([run.appId, completed > 0]).toEqual([run.appId, true]);
        }
        // The driver's own metrics carry the run's label. Its appStatus task counters grow
        // only when a job ends, which for pi's one job is just before the driver stops, so
        // the DAGScheduler's live job count is the one a scrape always sees.
        const driver = await promQuery(
            `max_over_time(metrics_spark_driver_DAGScheduler_job_allJobs_Value{spark_run="${first.pi.runName}"}[1h])`,
        );
        expect(Number(driver[0]?.value[1] ?? 0)).toBeGreaterThan(0);
    });

    it("a person's look: the run's page in headless Chromium shows its application and its jobs", () => {
        const run = first.pi;
        const screenshot = path.join(ARTIFACTS, "history-server.png");
        const dom = chromium(run.historyUrl, screenshot);
        const text = visibleText(dom);
        expect(text).toMatch(/Spark Jobs/);
        expect(text).toMatch(/Completed Jobs: 1/);
        expect(text).toMatch(/reduce at \/opt\/spark\/work-dir\/app\/jobs\/pi\.py:\d+/);
        // The page's own links are the application's; its environment names it.
        expect(dom).toContain(`/history/${run.appId}/stages/`);
        expect(visibleText(chromium(`${historyUrl}/history/${run.appId}/environment/`))).toContain(
            `spark.app.id ${run.appId}`,
        );
        expect(fs.statSync(screenshot).size).toBeGreaterThan(10_000);
        process.stderr.write(`[e2e] screenshot of ${run.historyUrl}: ${screenshot}\n`);
    });

    it("runs on Spark 4.3.0 show in the same History Server", async () => {
        // Spark 4.3.0 runs on Hadoop 3.5.0: its S3A, with the AWS SDK v2 bundle.
        const image = buildJobImage(
            "pyspark-jobs:e2e-spark4",
            "127.0.0.1:5000/spark-py:4.3.0",
            "org.apache.hadoop:hadoop-aws:3.5.0",
        );
        const { podLogs: _kept, ...eventsOnly } = OBSERVABILITY;
        void _kept;
        const spark4 = new Case("observe-spark4", {
            image: { mode: "existing", ref: image, sparkVersion: "4.3.0" },
            jobs: { pi: pi() },
            observability: { ...eventsOnly, historyServer: { enabled: false } },
        });
        try {
            setStoreKeys(spark4, keys);
            spark4.up();
            const run = spark4.run("pi") as unknown as Run;
            expect(run.appId).toMatch(/^spark-[0-9a-f]{32}$/);
            const app = await completedApp(historyUrl, run.appId);
            expect(app.attempts[0].appSparkVersion).toBe("4.3.0");
            const jobs = await historyApi<{ status: string }[]>(
                historyUrl,
                `/applications/${run.appId}/jobs`,
            );
            expect(jobs.map((j) => j.status)).toEqual(["SUCCEEDED"]);
        } finally {
            spark4.destroy();
        }
    });

    it("a failed run: its logs are kept, the Python error in its driver's", async () => {
        c.set("jobs.pi.args[0]", "-1");
        const failed = c.pulumi("up", "--yes", "--skip-preview");
        expect(failed.code).not.toBe(0);
        const job = newestJob(c.namespace, "pi");
        const logs = await logsOf(c.namespace, job, (l) =>
            Object.values(l).some((t) =>
                t.includes("ValueError: PARTITIONS must be a positive integer"),
            ),
        );
        expect(Object.keys(logs).some((p) => p.startsWith(job))).toBe(true);
        c.set("jobs.pi.args[0]", "32");
    });

    it("an executor lost mid-run: what it logged until then is kept", async () => {
        c.setList("jobs.pi.args", ["40", "2000000"]);
        const started = c.start("up", "--yes", "--skip-preview");
        const executors = await pollUntil(
            () => c.pods("spark-role=executor,pyspark-k8s/job=pi"),
            (ps) => ps.some((p) => p.status?.phase === "Running"),
            180_000,
        );
        const lost = executors.find((p) => p.status?.phase === "Running")?.metadata.name;
        if (!lost) throw new Error("no running executor within 180 s");
        // Long enough for it to have started work.
        await new Promise((resolve) => setTimeout(resolve, 8000));
        kubectl(
            "-n",
            c.namespace,
            "delete",
            "pod",
            lost,
            "--grace-period=0",
            "--force",
            "--wait=false",
        );
        const up = await started.done;
        expect(up.code).toBe(0);
        const run = c.run("pi") as unknown as Run;
        const logs = await logsOf(c.namespace, run.runName, (l) =>
            (l[run.driverPod] ?? "").includes("Pi is roughly"),
        );
        expect(logs[lost]).toMatch(/Executor/);
        expect(logs[run.driverPod]).toMatch(/Pi is roughly 3\.1/);
    });

    it("pulumi up killed while the run runs: the run's logs are kept all the same", async () => {
        c.set("jobs.pi.runId", "killed");
        const started = c.start("up", "--yes", "--skip-preview");
        const drivers = await pollUntil(
            () => c.pods("spark-role=driver,pyspark-k8s/job=pi"),
            (ps) => ps.some((p) => p.status?.phase === "Running"),
            180_000,
        );
        killGroup(started);
        await started.done;
        const driver = drivers.find((p) => p.status?.phase === "Running")?.metadata.name ?? "";
        const job = driver.replace(/-[a-z0-9]{5}$/, "");
        const logs = await logsOf(c.namespace, job, (l) =>
            (l[driver] ?? "").includes("Successfully stopped SparkContext"),
        );
        expect(logs[driver]).toMatch(/Pi is roughly 3\.1/);
        expect(Object.keys(logs).filter((p) => p.includes("-exec-")).length).toBeGreaterThan(0);
        // Back to a stack that knows its run.
        expect(c.pulumi("cancel", "--yes").code).toBe(0);
        expect(c.up().output).toMatch(/\[jobrun\] job pi: (following|succeeded)/);
    });

    it("a scheduled run: its event log reaches the History Server and its logs are kept under its own Job", async () => {
        c.set("jobs.pi.schedule", "*/1 * * * *");
        c.pulumi("config", "rm", "pyspark-k8s:resultJob");
        c.up();
        const completed = await pollUntil(
            () => Promise.resolve(scheduledRunsDone(c.namespace)),
            (jobs) => jobs.length > 0,
            240_000,
        );
        expect(completed.length).toBeGreaterThan(0);
        const job = completed[0];
        const logs = await logsOf(c.namespace, job, (l) =>
            Object.values(l).some((t) => t.includes("Pi is roughly")),
        );
        const driverLog = Object.entries(logs).find(([pod]) => !pod.includes("-exec-"))?.[1] ?? "";
        const appId = /eventlog_v2_(spark-[0-9a-f]{32})/.exec(driverLog)?.[1];
        expect(appId).toMatch(/^spark-[0-9a-f]{32}$/);
        await completedApp(historyUrl, appId as string);
        c.pulumi("config", "rm", "--path", "pyspark-k8s:jobs.pi.schedule");
    });

    it("kept logs outlive their Jobs: after re-runs replaced them, and after destroy", () => {
        const before = keptLogs(first.pi.logs);
        expect(before[first.pi.driverPod]).toMatch(/Pi is roughly/);
        const destroyed = c.pulumi("destroy", "--yes", "--skip-preview");
        expect(destroyed.code).toBe(0);
        expect(keptLogs(first.pi.logs)).toEqual(before);
        expect(keptLogs(first["pi-local"].logs)[first["pi-local"].driverPod]).toMatch(
            /Pi is roughly/,
        );
    });
});

describe("bad input fails early, naming the setting", () => {
    let c: Case;
    let keys: S3Keys;
    const settings = (observability: Record<string, unknown>): CaseSettings => ({
        jobs: {
            pi: pi({ executor: { instances: 1, coreRequest: "250m", memoryOverhead: "256m" } }),
        },
        observability: { store: STORE, historyServer: { enabled: false }, ...observability },
    });
    beforeAll(() => {
        c = new Case("observe-bad", settings({ eventLog: { dir: EVENT_LOG_DIR } }));
        keys = localStackKeys();
        objectStoreUp(keys);
        prepareHistoryBucket();
    });
    afterAll(() => c.destroy());

    const wrong = () => ({
        accessKeyId: keys.accessKeyId,
        secretAccessKey: `wrong-${Date.now()}-key`,
    });

    it("event-log keys the store refuses: the run fails within a minute of starting, naming eventLog.dir", () => {
        const bad = wrong();
        setStoreKeys(c, bad);
        const up = c.pulumi("up", "--yes", "--skip-preview");
        expect(up.code).not.toBe(0);
        expect(up.output).toMatch(
            /its event-log directory s3a:\/\/psk-history\/events \(eventLog\.dir\) could not be used: .*(403|Forbidden|AccessDenied|SignatureDoesNotMatch)/,
        );
        expect(up.output).not.toContain(bad.secretAccessKey);
        expect(up.output).not.toContain(keys.secretAccessKey);
        process.stderr.write(
            `[e2e] wrong event-log keys: pulumi up failed after ${up.seconds.toFixed(1)} s\n`,
        );
    });

    it("an event-log store that cannot be reached: the same, fast, not minutes of retries", () => {
        setStoreKeys(c, keys);
        c.set("jobs.pi.runId", "2");
        c.pulumi(
            "config",
            "set",
            "--path",
            "pyspark-k8s:observability.store.endpoint",
            "http://10.244.0.1:1",
        );
        const up = c.pulumi("up", "--yes", "--skip-preview");
        expect(up.code).not.toBe(0);
        expect(up.output).toMatch(
            /its event-log directory s3a:\/\/psk-history\/events \(eventLog\.dir\) could not be used/,
        );
        process.stderr.write(
            `[e2e] unreachable event-log store: pulumi up failed after ${up.seconds.toFixed(1)} s\n`,
        );
        c.pulumi(
            "config",
            "set",
            "--path",
            "pyspark-k8s:observability.store.endpoint",
            STORE.endpoint,
        );
    });

    it("a log store that refuses the keys: pulumi up fails at the log keeper, naming podLogs.dir, before any run", () => {
        const bad = wrong();
        setStoreKeys(c, bad);
        c.pulumi("config", "rm", "--path", "pyspark-k8s:observability.eventLog");
        c.pulumi("config", "set", "--path", "pyspark-k8s:observability.podLogs.dir", LOGS_DIR);
        c.pulumi(
            "config",
            "set",
            "--path",
            "--type",
            "int",
            "pyspark-k8s:observability.podLogs.readyTimeoutSeconds",
            "60",
        );
        const up = c.pulumi("up", "--yes", "--skip-preview");
        expect(up.code).not.toBe(0);
        expect(up.output).toMatch(
            /cannot write to the log store s3:\/\/psk-history\/logs \(podLogs\.dir\) at http:\/\/10\.244\.0\.1:8333: .*(403|SignatureDoesNotMatch)/,
        );
        expect(up.output).not.toMatch(/\[jobrun\]/);
        expect(up.output).not.toContain(bad.secretAccessKey);
        c.pulumi("config", "rm", "--path", "pyspark-k8s:observability.podLogs");
    });

    it("a History Server that cannot read its directory: pulumi up reports it, not created", () => {
        setStoreKeys(c, keys, wrong());
        c.pulumi(
            "config",
            "set",
            "--path",
            "pyspark-k8s:observability.eventLog.dir",
            EVENT_LOG_DIR,
        );
        c.pulumi(
            "config",
            "set",
            "--path",
            "--type",
            "bool",
            "pyspark-k8s:observability.historyServer.enabled",
            "true",
        );
        c.pulumi(
            "config",
            "set",
            "--path",
            "--type",
            "int",
            "pyspark-k8s:observability.historyServer.readyTimeoutSeconds",
            "90",
        );
        const up = c.pulumi("up", "--yes", "--skip-preview");
        expect(up.code).not.toBe(0);
        expect(up.output).toMatch(
            /the Spark History Server stopped \(exit code 1\): it cannot read its event-log directory s3a:\/\/psk-history\/events \(logDirectory\): .*(403|Forbidden|AccessDenied)/,
        );
        process.stderr.write(
            `[e2e] History Server with wrong keys: pulumi up failed after ${up.seconds.toFixed(1)} s\n`,
        );
    });
});
