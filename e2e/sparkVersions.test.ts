/**
 * Spark versions and submitters: the cluster submitter runs whatever Spark the image
 * carries (Spark 4 here); the local submitter runs spark-submit from this machine, and
 * refuses an image whose Spark is not the deployer's.
 */
import { Case, registryImage } from "./harness";

const EXAMPLE_PI = {
    app: "local:///opt/spark/examples/src/main/python/pi.py",
    args: ["2"],
    resultPattern: "Pi is roughly [0-9.]+",
    driver: { coreRequest: "250m", memoryOverhead: "256m" },
    executor: { instances: 1, coreRequest: "250m", memoryOverhead: "256m" },
};

describe("the pi job on the Spark 4 image", () => {
    let c: Case;
    beforeAll(() => {
        c = new Case("spark4", {
            image: {
                mode: "existing",
                ref: registryImage("spark-py", "4.3.0"),
                sparkVersion: "4.3.0",
            },
            jobs: { pi: EXAMPLE_PI },
        });
    });
    afterAll(() => c.destroy());

    it("runs Spark 4.3.0 and gives the result", async () => {
        c.up();
        const run = c.run("pi");
        expect(String(run.result)).toMatch(/^Pi is roughly 3\.1/);
        const log = await c.kube.podLog(
            c.namespace,
            String(run.driverPod),
            "spark-kubernetes-driver",
            5000,
        );
        expect(log).toMatch(/Running Spark version 4\.3\.0/);
    });

    it("submitter local is refused: the deployer's spark-submit is 3.5.7, not the image's 4.3.0", () => {
        c.set("jobs.pi.submitter", "local");
        const refused = c.pulumi("up", "--yes", "--skip-preview");
        expect(refused.code).not.toBe(0);
        expect(refused.output).toMatch(
            /submitter 'local' needs spark-submit 4\.3\.0 \(image\.sparkVersion\), but spark-submit on this machine is 3\.5\.7/,
        );
    });
});

describe("submitter local on the 3.5.7 image", () => {
    let c: Case;
    beforeAll(() => {
        c = new Case("local-submitter", { jobs: { pi: { ...EXAMPLE_PI, submitter: "local" } } });
    });
    afterAll(() => c.destroy());

    it("runs spark-submit from this machine, follows the driver it creates and gives the result", () => {
        c.up();
        const run = c.run("pi");
        expect(run).toMatchObject({ submitter: "local", exitCode: 0 });
        expect(String(run.driverPod)).toMatch(/^pi-[a-z0-9]+-driver$/);
        expect(String(run.result)).toMatch(/^Pi is roughly 3\.1/);
    });
});
