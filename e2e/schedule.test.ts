/**
 * A scheduled job: `pulumi up` creates the CronJob and runs nothing; the CronJob's runs
 * are the same Job as an unscheduled run's, and succeed.
 */
import { Case, getObject, pollUntil } from "./harness";

describe("a */1 schedule", () => {
    let c: Case;
    beforeAll(() => {
        c = new Case("schedule", {
            jobs: {
                pi: {
                    app: "jobs/pi.py",
                    args: ["2", "200000"],
                    resultPattern: "Pi is roughly [0-9.]+",
                    driver: { coreRequest: "250m", memoryOverhead: "256m" },
                    executor: { instances: 1, coreRequest: "250m", memoryOverhead: "256m" },
                    schedule: "*/1 * * * *",
                },
            },
        });
    });
    afterAll(() => c.destroy());

    it("creates the CronJob and runs nothing during up; a run of it succeeds within 3 minutes", async () => {
        const up = c.up();
        expect(up.output).not.toMatch(/\[jobrun\]/);
        const record = c.run("pi");
        expect(String(record.cronJob)).toMatch(/^pi-[a-z0-9]+$/);
        const cronJob = await getObject<{ metadata: { uid: string } }>(c.kube, {
            apiVersion: "batch/v1",
            kind: "CronJob",
            name: String(record.cronJob),
            namespace: c.namespace,
        });
        expect(cronJob).toBeDefined();
        const complete = await pollUntil(
            async () =>
                (
                    await c.kube.list<{
                        metadata: { ownerReferences?: { uid: string }[] };
                        status?: { succeeded?: number };
                    }>(c.namespace, "jobs")
                ).filter(
                    (j) =>
                        j.metadata.ownerReferences?.some((o) => o.uid === cronJob?.metadata.uid) &&
                        (j.status?.succeeded ?? 0) > 0,
                ),
            (jobs) => jobs.length > 0,
            180_000,
        );
        expect(complete.length).toBeGreaterThan(0);
    });
});
