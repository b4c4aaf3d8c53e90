import type { RunRecord } from "@pyspark-k8s/pulumi";
import { describeRuns } from "../lib/runReport";

const run = (driverPod: string, result = "Pi is roughly 3.14"): RunRecord => ({
    submitter: "cluster",
    runName: driverPod.replace(/-driver$/, ""),
    namespace: "spark",
    attempts: 1,
    driverPod,
    exitCode: 0,
    durationSeconds: 18.2,
    executorsStarted: 2,
    result,
    appId: "",
});

describe("describeRuns", () => {
    it("says a job with a new driver pod ran in this update, with its figures", () => {
        expect(
            describeRuns(
                { pi: run("pi-a-driver") },
                { pi: run("pi-b-driver", "Pi is roughly 3.13") },
            ),
        ).toEqual([
            "pi: ran in this update (driver pod pi-b-driver, 2 executors, 18.2 s): Pi is roughly 3.13",
        ]);
    });

    it("says a job first created ran in this update", () => {
        expect(describeRuns({}, { pi: run("pi-a-driver") })[0]).toMatch(/^pi: ran in this update/);
    });

    it("says an unchanged job kept its recorded run, naming that run's driver pod", () => {
        expect(describeRuns({ pi: run("pi-a-driver") }, { pi: run("pi-a-driver") })).toEqual([
            "pi: not run in this update, its inputs are unchanged; recorded run (driver pod pi-a-driver): Pi is roughly 3.14",
        ]);
    });

    it("says a scheduled job runs outside pulumi up, naming its CronJob", () => {
        expect(
            describeRuns({}, { nightly: { cronJob: "nightly-0a1b2c3d", schedule: "0 3 * * *" } }),
        ).toEqual([
            "nightly: scheduled (0 3 * * *), runs outside pulumi up as CronJob nightly-0a1b2c3d",
        ]);
    });

    it("reports each job of a stack on its own", () => {
        const lines = describeRuns(
            { pi: run("pi-a-driver"), wc: run("wc-a-driver", "words: 3") },
            { pi: run("pi-b-driver"), wc: run("wc-a-driver", "words: 3") },
        );
        expect(lines).toEqual([
            "pi: ran in this update (driver pod pi-b-driver, 2 executors, 18.2 s): Pi is roughly 3.14",
            "wc: not run in this update, its inputs are unchanged; recorded run (driver pod wc-a-driver): words: 3",
        ]);
    });
});

describe("describeRuns, with the stack's observability", () => {
    it("says where a run's History Server page and its kept logs are, and how to print them", () => {
        const observed: RunRecord = {
            ...run("pi-b-x1"),
            appId: "spark-0123",
            historyUrl: "http://10.96.0.9:18080/history/spark-0123/jobs/",
            logs: "s3://psk-history/logs/spark/pi-b/",
        };
        expect(describeRuns({}, { pi: observed }).slice(1)).toEqual([
            "  history: http://10.96.0.9:18080/history/spark-0123/jobs/ (application spark-0123)",
            "  logs:    s3://psk-history/logs/spark/pi-b/ (npm run job -- logs pi)",
        ]);
    });
});
