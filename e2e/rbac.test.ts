/**
 * The driver's RBAC is what Spark needs, no more and no less: without `deletecollection`
 * the job still succeeds, but Spark cannot clean up and its executors stay behind.
 */
import { Case, setClusterRoleVerbs } from "./harness";

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

describe("the driver's ClusterRole without deletecollection", () => {
    let c: Case;
    beforeAll(() => {
        c = new Case("rbac", {
            jobs: {
                pi: {
                    app: "jobs/pi.py",
                    args: ["3", "200000"],
                    resultPattern: "Pi is roughly [0-9.]+",
                    driver: { coreRequest: "250m", memoryOverhead: "256m" },
                    executor: { instances: 3, coreRequest: "250m", memoryOverhead: "256m" },
                },
            },
        });
    });
    afterAll(() => c.destroy());

    it("lets the job succeed, but its executors stay behind and the driver log says why", async () => {
        c.up();
        const role = String(c.outputs().clusterRole);
        await setClusterRoleVerbs(
            c.kube,
            role,
            ALL_VERBS.filter((v) => v !== "deletecollection"),
        );
        try {
            c.set("jobs.pi.runId", "2");
            c.up();
            const run = c.run("pi");
            expect(run.exitCode).toBe(0);
            const leftovers = await c.pods(
                `pyspark-k8s/run=${String(run.runName)},spark-role=executor`,
            );
            expect(leftovers.length).toBeGreaterThanOrEqual(3);
            expect(leftovers.filter((p) => p.metadata.deletionTimestamp)).toEqual([]);
            const log = await c.kube.podLog(
                c.namespace,
                String(run.driverPod),
                "spark-kubernetes-driver",
                5000,
            );
            expect(log).toMatch(
                /is forbidden: .*cannot deletecollection resource "(pods|configmaps|services)"/,
            );
        } finally {
            await setClusterRoleVerbs(c.kube, role, ALL_VERBS);
        }
    });
});
