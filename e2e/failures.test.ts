/**
 * How a run ends, when it does not succeed, on the real cluster: each way its own true
 * message, and its own case (a stack and a namespace of its own).
 */
import { kubectl } from "./etl";
import { Case, CaseSettings, pauseApiServer, pollUntil } from "./harness";

/** The pi job, small, with these changes. */
function pi(changes: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        app: "jobs/pi.py",
        args: ["2", "200000"],
        resultPattern: "Pi is roughly [0-9.]+",
        driver: { coreRequest: "250m", memoryOverhead: "256m" },
        executor: { instances: 1, coreRequest: "250m", memoryOverhead: "256m" },
        startTimeoutSeconds: 120,
        ...changes,
    };
}

/** A case for one way of failing: set up before its tests, destroyed after. */
function withCase(name: string, settings: () => CaseSettings): () => Case {
    let c: Case | undefined;
    beforeAll(() => {
        c = new Case(name, settings());
    });
    afterAll(() => c?.destroy());
    return () => c as Case;
}

const noStackTrace = /\n\s+at .*\.js:\d+/;

describe("an application that fails", () => {
    const c = withCase("app-fails", () => ({ jobs: { pi: pi({ args: ["-1"] }) } }));

    it("fails pulumi up with the exit code and the Python error, and leaves nothing running", async () => {
        const up = c().pulumi("up", "--yes", "--skip-preview");
        expect(up.code).not.toBe(0);
        expect(up.output).toMatch(
            /job pi: run e2e-app-fails\/pi-[a-z0-9]+ failed: application failure: exit code 1 \(Error\)/,
        );
        expect(up.output).toContain(
            "python error: ValueError: PARTITIONS must be a positive integer, got '-1'",
        );
        expect(up.output).not.toMatch(noStackTrace);
        const running = await pollUntil(
            async () =>
                (await c().pods()).filter(
                    (p) => p.status?.phase === "Running" || p.status?.phase === "Pending",
                ),
            (l) => l.length === 0,
            90_000,
        );
        expect(running).toEqual([]);
    });
});

describe("a driver that cannot be scheduled", () => {
    const c = withCase("unschedulable", () => ({
        jobs: { pi: pi({ driver: { memory: "64g" }, startTimeoutSeconds: 20 }) },
    }));

    it("fails within its bound, saying why, and its Job is removed", async () => {
        const up = c().pulumi("up", "--yes", "--skip-preview");
        expect(up.code).not.toBe(0);
        expect(up.output).toMatch(
            /could not start its driver within 20s \(startTimeoutSeconds\): Unschedulable: 0\/1 nodes are available: 1 Insufficient memory/,
        );
        expect(up.seconds).toBeLessThan(20 + 60);
        expect(
            await pollUntil(
                () => c().pods(),
                (ps) => ps.length === 0,
                60_000,
            ),
        ).toEqual([]);
    });
});

describe("a ServiceAccount deleted out of band", () => {
    const c = withCase("no-sa", () => ({ jobs: { pi: pi({ startTimeoutSeconds: 300 }) } }));

    it("fails the next run at once, naming the ServiceAccount, not at the end of the start bound", () => {
        c().up();
        kubectl("-n", c().namespace, "delete", "serviceaccount", "spark-driver");
        c().set("jobs.pi.runId", "2");
        const up = c().pulumi("up", "--yes", "--skip-preview");
        expect(up.code).not.toBe(0);
        expect(up.output).toMatch(
            /could not start its driver and never will: FailedCreate: .*serviceaccount "spark-driver" not found/,
        );
        expect(up.seconds).toBeLessThan(120);
    });
});

describe("a variable from a Secret that does not exist", () => {
    const c = withCase("no-secret", () => ({
        jobs: { pi: pi({ secretKeyRefs: { TOKEN: { secret: "nowhere", key: "token" } } }) },
    }));

    it("fails at once, naming the Secret", () => {
        const up = c().pulumi("up", "--yes", "--skip-preview");
        expect(up.code).not.toBe(0);
        expect(up.output).toMatch(
            /could not start its driver and never will: CreateContainerConfigError: secret "nowhere" not found/,
        );
        expect(up.seconds).toBeLessThan(90);
    });
});

describe("a run that outlives runTimeoutSeconds", () => {
    const c = withCase("deadline", () => ({
        jobs: { pi: pi({ args: ["2", "2000000000"], runTimeoutSeconds: 45 }) },
    }));

    it("is stopped by its deadline, and says so with the setting and the time", () => {
        const up = c().pulumi("up", "--yes", "--skip-preview");
        expect(up.code).not.toBe(0);
        expect(up.output).toMatch(
            /job pi: run e2e-deadline\/pi-[a-z0-9]+ was stopped by its deadline after 45 s \(runTimeoutSeconds=45\)/,
        );
        expect(up.output).not.toMatch(/could not start|application failure/);
    });
});

describe("retries", () => {
    const flaky = (retries: number, runId: string) => ({
        app: "jobs/flaky.py",
        args: ["1"],
        resultPattern: "flaky: succeeded on attempt [0-9]+",
        retries,
        runId,
        driver: { coreRequest: "250m", memoryOverhead: "256m" },
        executor: { instances: 1, coreRequest: "250m", memoryOverhead: "256m" },
    });
    const c = withCase("retries", () => ({ jobs: { flaky: flaky(1, "1") } }));

    it("an app that fails its first attempt passes with retries 1, the first attempt reported as the application's", () => {
        const up = c().up();
        expect(c().run("flaky")).toMatchObject({ attempts: 2 });
        expect(String(c().run("flaky").result)).toMatch(/^flaky: succeeded on attempt 2\b/);
        expect(up.output).toMatch(/attempt 1, driver pod .*: application failure: exit code 1/);
    });

    it("and fails with retries 0", () => {
        c().set("jobs.flaky.retries", "0");
        c().set("jobs.flaky.runId", "2");
        const up = c().pulumi("up", "--yes", "--skip-preview");
        expect(up.code).not.toBe(0);
        expect(up.output).toMatch(/failed: application failure: exit code 1/);
        expect(up.output).toContain(
            "python error: InjectedFailure: attempt 1 fails on purpose (FAILING_ATTEMPTS=1)",
        );
    });
});

describe("a driver that loses the Kubernetes API as it starts", () => {
    const c = withCase("lost-api", () => ({ jobs: { pi: pi({ args: ["2", "20000000"] }) } }));

    it("is the infrastructure's failure, uses up no retry, and a new attempt gives the result", async () => {
        const running = c().start("up", "--yes", "--skip-preview");
        await pollUntil(
            () => c().pods("spark-role=driver"),
            (ps) => ps.some((p) => p.status?.phase === "Running"),
            180_000,
        );
        pauseApiServer(75);
        const up = await running.done;
        expect(up.output).not.toMatch(/application failure/);
        if (/attempt 1, driver pod [^:]+: infrastructure failure/.test(up.output)) {
            expect(up.output).toMatch(/infrastructure failure: the driver lost the Kubernetes API/);
        }
        expect(up.code).toBe(0);
        expect(String(c().run("pi").result)).toMatch(/^Pi is roughly 3\.1/);
    });
});
