/**
 * The deployer going away or losing the API: a killed `pulumi up` leaves nothing of its
 * own behind and the run goes on; the next `up` re-attaches to the same run. An API that
 * blinks is ridden out; one that stays away past apiRetrySeconds fails clearly.
 */
import { Case, alive, descendants, pauseApiServer, pollUntil } from "./harness";

const PI = {
    app: "jobs/pi.py",
    args: ["2", "30000000"],
    resultPattern: "Pi is roughly [0-9.]+",
    driver: { coreRequest: "250m", memoryOverhead: "256m" },
    executor: { instances: 2, coreRequest: "250m", memoryOverhead: "256m" },
};

describe("the deployer", () => {
    let c: Case;
    beforeAll(() => {
        c = new Case("deployer", { jobs: { pi: PI } });
    });
    afterAll(() => c.destroy());

    const runningDriver = async () => {
        const found = await pollUntil(
            () => c.pods("spark-role=driver"),
            (ps) => ps.some((p) => p.status?.phase === "Running"),
            180_000,
        );
        const pod = found.find((p) => p.status?.phase === "Running");
        if (!pod) throw new Error("no running driver within 180 s");
        return pod.metadata.name;
    };

    it("SIGKILL to the pulumi CLI alone: every process it started is gone within seconds, and the run goes on", async () => {
        const started = c.start("up", "--yes", "--skip-preview");
        const driver = await runningDriver();
        const pid = started.child.pid as number;
        const started_ = descendants(pid);
        expect(started_.length).toBeGreaterThanOrEqual(3); // language host, program, providers, runner
        process.kill(pid, "SIGKILL");
        await started.done;
        const survivors = await pollUntil(
            () => Promise.resolve(started_.filter(alive)),
            (l) => l.length === 0,
            10_000,
        );
        expect(survivors).toEqual([]);
        // The run itself goes on in the cluster.
        expect((await c.pods("spark-role=driver")).map((p) => p.metadata.name)).toContain(driver);

        // The file backend keeps the killed update's lock: `pulumi cancel` is the way out.
        expect(c.pulumi("cancel", "--yes").code).toBe(0);
        const again = c.up();
        const job = driver.replace(/-[a-z0-9]{5}$/, "");
        expect(again.output).toMatch(
            new RegExp(`\\[jobrun\\] job pi: following run e2e-deployer/${job}`),
        );
        expect(c.run("pi")).toMatchObject({ runName: job, driverPod: driver, exitCode: 0 });
        expect(c.pulumi("refresh", "--clear-pending-creates", "--yes", "--skip-preview").code).toBe(
            0,
        );
    });

    it("kube-apiserver stopped for 20 s while a run runs: the run completes and pulumi up succeeds", async () => {
        c.set("jobs.pi.runId", "2");
        const started = c.start("up", "--yes", "--skip-preview");
        await runningDriver();
        pauseApiServer(20);
        const up = await started.done;
        expect(up.code).toBe(0);
        expect(up.output).toMatch(/ECONNREFUSED.*; retrying/);
        expect(String(c.run("pi").result)).toMatch(/^Pi is roughly 3\.1/);
    });

    it("kube-apiserver down past apiRetrySeconds: a clear failure that says what still runs; the next up re-attaches", async () => {
        c.set("jobs.pi.runId", "3");
        c.set("cluster.apiRetrySeconds", "10");
        const started = c.start("up", "--yes", "--skip-preview");
        await runningDriver();
        pauseApiServer(40);
        const up = await started.done;
        expect(up.code).not.toBe(0);
        expect(up.output).toMatch(
            /job pi: lost the Kubernetes API: .* at https:\/\/127\.0\.0\.1:6443: no answer for 1\d s/,
        );
        expect(up.output).toMatch(
            /Still in the cluster: the run's Job e2e-deployer\/pi-[a-z0-9]+ and its pods keep running/,
        );
        expect(up.output).not.toMatch(/\n\s+at .*\.js:\d+/);
        c.set("cluster.apiRetrySeconds", "120");
        expect(c.up().output).toMatch(/\[jobrun\] job pi: succeeded/);
    });
});
