/**
 * What re-runs a job, and what does not: a run whose Job is gone is run again after a
 * refresh, a forced re-run replaces the Job, and a change of what runs (the executor count)
 * re-runs it, as the preview said, field by field.
 */
import { Case, getObject, pollUntil } from "./harness";

const PI = {
    app: "jobs/pi.py",
    args: ["2", "200000"],
    resultPattern: "Pi is roughly [0-9.]+",
    driver: { coreRequest: "250m", memoryOverhead: "256m" },
    executor: { instances: 2, coreRequest: "250m", memoryOverhead: "256m" },
    startTimeoutSeconds: 120,
};

describe("what re-runs a job", () => {
    let c: Case;
    const driversOf = async (runName: string) =>
        (await c.pods(`batch.kubernetes.io/job-name=${runName}`))
            .map((p) => p.metadata.name)
            .sort();

    beforeAll(() => {
        c = new Case("reruns", { jobs: { pi: PI } });
        c.up();
    });
    afterAll(() => c.destroy());

    it("refresh drops a run whose Job is gone, and the next up runs the job again", async () => {
        const first = c.run("pi");
        await c.kube.delete(c.namespace, "jobs", String(first.runName));
        await pollUntil(
            () => driversOf(String(first.runName)),
            (d) => d.length === 0,
            60_000,
        );
        const refresh = c.pulumi("refresh", "--yes", "--skip-preview");
        expect(refresh.code).toBe(0);
        expect(refresh.output).toMatch(/pyspark-k8s:RunResult.*pi-result.*deleted/);
        const up = c.up();
        expect(up.output).toMatch(/\[jobrun\] job pi: succeeded/);
        expect(c.run("pi").runName).toBe(first.runName);
        expect(c.run("pi").driverPod).not.toBe(first.driverPod);
    });

    it("a forced re-run of the same inputs removes the old run first", async () => {
        const before = c.run("pi");
        const forced = c.up("--replace", "**batch/v1:Job::*");
        expect(forced.output).toMatch(/-- kubernetes:batch\/v1:Job pi-job deleted original/);
        expect(c.run("pi").runName).toBe(before.runName);
        expect(c.run("pi").driverPod).not.toBe(before.driverPod);
        expect(
            await pollUntil(
                () => driversOf(String(before.runName)),
                (d) => d.length === 1,
                60_000,
            ),
        ).toEqual([c.run("pi").driverPod]);
    });

    it("a change of what runs (the executor count) re-runs the job, as the preview said, field by field", async () => {
        const before = c.run("pi");
        c.set("jobs.pi.executor.instances", "3");
        const preview = c.pulumi("preview", "--diff");
        expect(preview.code).toBe(0);
        expect(preview.output).toMatch(/\+-kubernetes:batch\/v1:Job: \(replace\)/);
        expect(preview.output).toMatch(
            /- \[\d+\]: "spark\.executor\.instances=2"\n\s+\+ \[\d+\]: "spark\.executor\.instances=3"|~ \[\d+\]: "spark\.executor\.instances=2" => "spark\.executor\.instances=3"/,
        );
        c.up();
        const after = c.run("pi");
        expect(after.runName).not.toBe(before.runName);
        expect(after.executorsStarted).toBeGreaterThanOrEqual(3);
        expect(
            await getObject(c.kube, {
                apiVersion: "batch/v1",
                kind: "Job",
                name: String(before.runName),
                namespace: c.namespace,
            }),
        ).toBeUndefined();
    });

    it("a change of a timeout re-runs nothing", () => {
        const before = c.run("pi");
        c.set("jobs.pi.runTimeoutSeconds", "900");
        const up = c.up();
        expect(up.output).not.toMatch(/\[jobrun\]/);
        expect(c.run("pi").driverPod).toBe(before.driverPod);
    });
});
