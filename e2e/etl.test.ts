/**
 * The sales ETL on the local object store, beyond the local stack's run: a wrong S3 secret
 * fails with the store's access error and names no secret; with submitter local, the
 * driver that spark-submit creates gets the same hardening and secret references from its
 * pod template.
 */
import {
    EtlExpected,
    S3Keys,
    kubectlItems,
    localEtlJob,
    objectStoreUp,
    readOutput,
    stackKeys,
    uploadDataset,
} from "./etl";
import { Case } from "./harness";

describe("the ETL job on the object store", () => {
    let c: Case;
    let keys: S3Keys;
    let expected: EtlExpected;
    beforeAll(() => {
        c = new Case("etl", { jobs: { etl: localEtlJob() } }, true);
        keys = stackKeys(c);
        objectStoreUp(keys);
        expected = uploadDataset(3000, 11, 2);
    });
    afterAll(() => c.destroy());

    const setSecret = (value: string) => {
        const out = c.pulumi(
            "config",
            "set",
            "--secret",
            "--path",
            "pyspark-k8s:secretEnv.etl.AWS_SECRET_ACCESS_KEY",
            "--",
            value,
        );
        if (out.code !== 0) throw new Error(out.output);
    };

    it("with a wrong S3 secret fails pulumi up with the store's access error, naming no secret", () => {
        const wrong = `wrong-${keys.secretAccessKey.slice(0, 8)}-not-the-key`;
        setSecret(wrong);
        const failed = c.pulumi("up", "--yes", "--skip-preview");
        expect(failed.code).not.toBe(0);
        expect(failed.output).toMatch(/job etl: .*failed/);
        expect(failed.output).toMatch(/403|Forbidden|AccessDenied|SignatureDoesNotMatch/);
        expect(failed.output).not.toContain(wrong);
        expect(failed.output).not.toContain(keys.secretAccessKey);
        setSecret(keys.secretAccessKey);
    });

    it("with submitter local: the driver spark-submit creates is hardened and reads the keys by reference", () => {
        c.set("jobs.etl.submitter", "local");
        c.set("jobs.etl.runId", "2");
        c.up();
        const run = c.run("etl");
        expect(run).toMatchObject({
            submitter: "local",
            exitCode: 0,
            result: expected.result_line,
        });
        expect(readOutput()).toEqual(expected.by_region);
        const driver = kubectlItems(
            "pods",
            "-n",
            c.namespace,
            "--field-selector",
            `metadata.name=${String(run.driverPod)}`,
        )[0];
        const spec = driver.spec as {
            securityContext: Record<string, unknown>;
            containers: { securityContext: Record<string, unknown>; env: { name: string }[] }[];
        };
        expect(spec.securityContext).toMatchObject({
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
        });
        expect(spec.containers[0].securityContext).toMatchObject({
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
        });
        expect(spec.containers[0].env.map((e) => e.name)).toContain("AWS_SECRET_ACCESS_KEY");
        expect(JSON.stringify(spec)).not.toContain(keys.secretAccessKey);
    });
});
