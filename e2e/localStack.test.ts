/**
 * The `local` stack as `npm run job` runs it, on the real local cluster: the image built
 * with the docker CLI, the RBAC, the pi job and the sales ETL on the object store with
 * its S3 keys as stack secrets; no credential in plain text anywhere; checkov; an
 * unchanged stack runs nothing; destroy leaves nothing.
 */
import { spawnSync } from "child_process";
import {
    EtlExpected,
    S3Keys,
    allCommandLines,
    checkov,
    kubectlItems,
    objectStoreUp,
    readOutput,
    stackKeys,
    uploadDataset,
} from "./etl";
import { ObjectView, Project, REPO, adminClient, getObject, list, pollUntil } from "./harness";
import {
    HISTORY_BUCKET,
    eventLogText,
    keptLogs,
    prepareHistoryBucket,
    storeKeysUnder,
} from "./observe";

const NS = "spark-local";
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

interface Run {
    appId: string;
    logs: string;
    submitter: string;
    runName: string;
    namespace: string;
    driverPod: string;
    exitCode: number;
    executorsStarted: number;
    result: string;
    attempts: number;
}
interface EnvVar {
    name: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

const kube = adminClient();
let project: Project;
let keys: S3Keys;
let expected: EtlExpected;
let upOutput = "";
const leakingArgs = new Set<string>();
const podsSeen = new Map<string, Record<string, unknown>>();
let sawSparkSubmit = false;

const runs = () => project.outputs().jobRuns as Record<string, Run>;

beforeAll(() => {
    project = new Project("local");
    const init = project.pulumi("stack", "init");
    if (init.code !== 0) throw new Error(init.output);
    keys = stackKeys(project);
    objectStoreUp(keys);
    expected = uploadDataset(5000, 7, 3);
    prepareHistoryBucket();
});

afterAll(() => {
    // Leaves nothing behind, also when a test failed (destroying twice is harmless).
    project?.pulumi("destroy", "--yes", "--skip-preview");
    project?.dispose();
});

describe("the local stack, as npm run job runs it", () => {
    it("pulumi up from nothing builds the image, binds the driver in its namespace and runs pi and the ETL job, with progress as it happens", async () => {
        // While the runs run: every process's arguments, and the runs' pods as the API has them.
        const running = project.start("up", "--yes", "--skip-preview");
        const secrets = [keys.secretAccessKey, keys.accessKeyId];
        while (running.child.exitCode === null) {
            for (const line of allCommandLines()) {
                if (secrets.some((s) => line.includes(s))) leakingArgs.add(line.slice(0, 200));
                if (/org\.apache\.spark\.deploy\.SparkSubmit.*jobs\/etl\.py/.test(line))
                    sawSparkSubmit = true;
            }
            for (const pod of kubectlItems("pods", "-n", NS, "-l", "pyspark-k8s/stack=local"))
                podsSeen.set((pod.metadata as { name: string }).name, pod);
            await new Promise((resolve) => setTimeout(resolve, 500));
        }
        const up = await running.done;
        upOutput = up.output;
        if (up.code !== 0) throw new Error(`pulumi up failed:\n${up.output}`);

        const outputs = project.outputs();
        expect(outputs.result).toMatch(/^Pi is roughly 3\.1\d*$/);
        expect(outputs.imageRef).toMatch(/^127\.0\.0\.1:5000\/pyspark-jobs@sha256:[a-f0-9]{64}$/);
        const { pi, etl } = runs();
        expect(pi).toMatchObject({ submitter: "cluster", namespace: NS, exitCode: 0, attempts: 1 });
        expect(pi.executorsStarted).toBeGreaterThanOrEqual(2);
        expect(etl).toMatchObject({
            submitter: "cluster",
            exitCode: 0,
            result: expected.result_line,
        });
        expect(up.output).toMatch(
            /\[jobrun\] attempt 1, driver pod pi-[a-z0-9]+-[a-z0-9]+: running/,
        );
        expect(up.output).toMatch(/\[jobrun\] executor pi-[a-z0-9-]+-exec-\d+: started/);
        expect(up.output).toMatch(/\[jobrun\] job pi: succeeded in [0-9.]+s: Pi is roughly 3\.1/);

        // The run is a Job; its one pod is the driver, as the stack's ServiceAccount.
        const driver = await getObject<ObjectView & { spec: { serviceAccountName: string } }>(
            kube,
            {
                apiVersion: "v1",
                kind: "Pod",
                name: pi.driverPod,
                namespace: NS,
            },
        );
        expect(driver?.spec.serviceAccountName).toBe("spark-driver");
        expect(driver?.metadata.ownerReferences?.map((o) => [o.kind, o.name])).toEqual([
            ["Job", pi.runName],
        ]);
        const role = await getObject<{ rules: unknown[] }>(kube, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            name: String(outputs.clusterRole),
        });
        expect(role?.rules).toEqual([
            {
                apiGroups: [""],
                resources: ["pods", "services", "configmaps", "persistentvolumeclaims"],
                verbs: ALL_VERBS,
            },
        ]);
        expect(String(outputs.binding)).toMatch(/^RoleBinding\//);

        // The ETL job's Parquet output, read by another reader than Spark.
        expect(readOutput()).toEqual(expected.by_region);
    });

    it("no credential appears in plain text: process arguments, stack export, pulumi's output, pod specs (the History Server's and the log keeper's too), the driver log, the event logs, the kept logs", async () => {
        expect(sawSparkSubmit).toBe(true);
        expect([...leakingArgs]).toEqual([]);
        const exported = project.pulumi("stack", "export");
        expect(exported.code).toBe(0);
        const podSpecs = JSON.stringify([...podsSeen.values()].map((p) => p.spec));
        const driverLog = await kube.podLog(
            NS,
            runs().etl.driverPod,
            "spark-kubernetes-driver",
            100000,
        );
        // The History Server and the log keeper ran, and their pods are among those checked.
        const services = [...podsSeen.values()].map(
            (p) =>
                (p.metadata as { labels: Record<string, string> }).labels["app.kubernetes.io/name"],
        );
        expect(services).toEqual(
            expect.arrayContaining(["spark-history-server", "spark-log-keeper"]),
        );
        const eventLogs = Object.values(runs()).flatMap((run) =>
            storeKeysUnder(HISTORY_BUCKET, `events/eventlog_v2_${run.appId}/`)
                .filter((k) => k.endsWith(".zstd"))
                .map(eventLogText),
        );
        expect(eventLogs.length).toBeGreaterThanOrEqual(2);
        const kept = Object.values(runs()).flatMap((run) => Object.values(keptLogs(run.logs)));
        expect(kept.length).toBeGreaterThanOrEqual(4);
        for (const secret of [keys.secretAccessKey, keys.accessKeyId]) {
            for (const text of [...eventLogs, ...kept]) expect(text).not.toContain(secret);
            expect(exported.output).not.toContain(secret);
            expect(upOutput).not.toContain(secret);
            expect(podSpecs).not.toContain(secret);
            expect(driverLog).not.toContain(secret);
        }
        // They reach the ETL job's driver and executors by reference.
        const etlPods = [...podsSeen.values()].filter(
            (p) =>
                (p.metadata as { labels: Record<string, string> }).labels["pyspark-k8s/job"] ===
                "etl",
        );
        const roles = etlPods.map(
            (p) => (p.metadata as { labels: Record<string, string> }).labels["spark-role"],
        );
        expect(new Set(roles)).toEqual(new Set(["driver", "executor"]));
        for (const pod of etlPods) {
            const env = (pod.spec as { containers: { env?: EnvVar[] }[] }).containers[0].env ?? [];
            expect(
                env.find((e) => e.name === "AWS_SECRET_ACCESS_KEY")?.valueFrom?.secretKeyRef,
            ).toEqual({
                name: "etl-secret-env",
                key: "AWS_SECRET_ACCESS_KEY",
            });
        }
    });

    it("the namespace enforces Pod Security restricted, and checkov finds nothing outside the listed exceptions", () => {
        const refused = spawnSync(
            "bash",
            [
                "local/cluster/cluster.sh",
                "kubectl",
                "-n",
                NS,
                "run",
                "e2e-unhardened",
                "--image=psk.local/busybox:1.35.0",
                "--restart=Never",
                "--",
                "true",
            ],
            { cwd: REPO, encoding: "utf8" },
        );
        expect(refused.status).not.toBe(0);
        expect(refused.stderr).toMatch(/violates PodSecurity "restricted:latest"/);
        const stackObjects = [
            ...kubectlItems("namespace", NS),
            ...kubectlItems(
                "serviceaccount,role,rolebinding,networkpolicy,configmap,secret,job,deployment,service",
                "-n",
                NS,
                "-l",
                "pyspark-k8s/stack=local",
            ),
            ...kubectlItems("clusterrole", "-l", "pyspark-k8s/stack=local"),
        ];
        const scan = checkov([...stackObjects, ...podsSeen.values()]);
        expect(scan.output).toMatch(/checkov: \d+ resources, \d+ passed, 0 failed/);
        expect(scan.code).toBe(0);
    });

    it("an unchanged stack: preview --expect-no-changes passes and up runs no job", () => {
        const before = runs();
        expect(project.pulumi("preview", "--expect-no-changes").code).toBe(0);
        const up = project.up();
        expect(up.output).toMatch(/Resources:\s+\d+ unchanged\s+Duration/);
        expect(up.output).not.toMatch(/\[jobrun\]/);
        expect(runs().pi.driverPod).toBe(before.pi.driverPod);
    });

    it("pulumi destroy leaves no Job, pod, service, config map or PVC in the namespace, and none of its RBAC", async () => {
        const clusterRole = String(project.outputs().clusterRole);
        const destroy = project.pulumi("destroy", "--yes", "--skip-preview");
        expect(destroy.code).toBe(0);
        for (const kind of [
            "jobs",
            "cronjobs",
            "pods",
            "services",
            "configmaps",
            "persistentvolumeclaims",
        ] as const) {
            const left = await pollUntil(
                async () =>
                    (await list(kube, NS, kind)).filter(
                        (o) => o.metadata.name !== "kube-root-ca.crt",
                    ),
                (l) => l.length === 0,
                60_000,
            );
            expect([kind, left]).toEqual([kind, []]);
        }
        expect(
            await getObject(kube, {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "ClusterRole",
                name: clusterRole,
            }),
        ).toBeUndefined();
        const ns = await getObject<ObjectView>(kube, {
            apiVersion: "v1",
            kind: "Namespace",
            name: NS,
        });
        expect(ns === undefined || ns.status?.phase === "Terminating").toBe(true);
    });
});
