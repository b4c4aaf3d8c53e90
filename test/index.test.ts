/**
 * The whole program, per stack file, under Pulumi's mocks: which resources each stack
 * registers and exactly what they receive.
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import type * as MocksModule from "../package/test/mocks";

type Registered = MocksModule.Registered;
const ROOT = path.join(__dirname, "..");
const SECRET_PLACEHOLDER = "s3cret-registry-token";
const DIGEST = `sha256:${"f".repeat(64)}`;
const JOB_RUN = "pulumi-nodejs:dynamic/pyspark-k8s:JobRun";
const RUN_RESULT = "pulumi-nodejs:dynamic/pyspark-k8s:RunResult";
const K8S_JOB = "kubernetes:batch/v1:Job";
const IMAGE_BUILD = "pulumi-nodejs:dynamic/pyspark-k8s:ImageBuild";
const OUTCOME = {
    runName: "pi-x",
    namespace: "ns",
    driverPod: "pi-x-driver",
    exitCode: 0,
    durationSeconds: 12.3,
    result: "Pi is roughly 3.14",
    executorsStarted: 2,
    attempts: 1,
};

/** A config value with each `secure` value in it replaced by the placeholder, and whether it had any. */
function decrypted(value: unknown): { value: unknown; secret: boolean } {
    if (value && typeof value === "object" && "secure" in value)
        return { value: SECRET_PLACEHOLDER, secret: true };
    if (Array.isArray(value)) {
        const items = value.map(decrypted);
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (value && typeof value === "object") {
        const entries = Object.entries(value).map(([k, v]) => [k, decrypted(v)] as const);
        return {
            value: Object.fromEntries(entries.map(([k, v]) => [k, v.value])),
            secret: entries.some(([, v]) => v.secret),
        };
    }
    return { value, secret: false };
}

/**
 * The stack file's config as Pulumi hands it to the program: flat keys, JSON for objects;
 * a key is secret when its value is or holds a `secure` one (set with `--secret --path`).
 */
function stackConfig(stack: string): { config: Record<string, string>; secretKeys: string[] } {
    const doc = yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
        config?: Record<string, unknown>;
    };
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, raw] of Object.entries(doc.config ?? {})) {
        const { value, secret } = decrypted(raw);
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
        if (secret) secretKeys.push(key);
    }
    return { config, secretKeys };
}

interface ProgramRun {
    registered: Registered[];
    outputs: Record<string, unknown>;
    error?: Error;
}

/**
 * Runs index.ts as the program of a stack, in a fresh module registry, with the given
 * config under mocks; resolves once the stack's exports are resolved and every resource
 * it constructed is registered.
 */
async function runProgram(
    stack: string,
    config: Record<string, string>,
    secretKeys: string[] = [],
): Promise<ProgramRun> {
    let run: ProgramRun = { registered: [], outputs: {} };
    await jest.isolateModulesAsync(async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const mocks = require("../package/test/mocks") as typeof MocksModule;
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
        const registered = mocks.recordResources(
            (args) => {
                if (args.type === IMAGE_BUILD)
                    return {
                        imageRef: `${String(args.inputs.imageName).replace(/:[^:/]+$/, "")}@${DIGEST}`,
                    };
                if (args.type === JOB_RUN) return OUTCOME;
                // A RunResult records the run it followed: its Job's name and namespace.
                if (args.type === RUN_RESULT)
                    return Object.fromEntries(
                        Object.entries(OUTCOME).filter(
                            ([key]) => key !== "runName" && key !== "namespace",
                        ),
                    );
                if (args.type === K8S_JOB)
                    return { metadata: { ...args.inputs.metadata, uid: `uid-of-${args.name}` } };
                return undefined;
            },
            "pyspark-k8s",
            stack,
        );
        pulumi.runtime.setAllConfig(config, secretKeys);
        run = { registered, outputs: {} };
        run.outputs = await mocks.runStack(() => {
            try {
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                return require("../index") as Record<string, unknown>;
            } catch (err) {
                run.error = err as Error;
                return undefined;
            }
        });
        // The stack registers its outputs after they resolve: let that reach these mocks,
        // not the next program's.
        await pulumi.runtime.disconnect();
    });
    return run;
}

/** One run of the program per stack file as it is, shared by the tests that read it. */
const programRuns = new Map<string, Promise<ProgramRun>>();
function runOf(stack: string): Promise<ProgramRun> {
    const known = programRuns.get(stack);
    if (known) return known;
    const { config, secretKeys } = stackConfig(stack);
    const run = runProgram(stack, config, secretKeys);
    programRuns.set(stack, run);
    return run;
}

const byType = (run: ProgramRun, type: string) => run.registered.filter((r) => r.type === type);
const K8S = {
    ns: "kubernetes:core/v1:Namespace",
    sa: "kubernetes:core/v1:ServiceAccount",
    role: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    crb: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    rb: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
};
const DRIVER_VERBS = [
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

/** What each job's run gets: from the local runs' specs and the cluster runs' Jobs. */
function jobSpecs(run: ProgramRun): Record<string, unknown>[] {
    const local = byType(run, JOB_RUN).map((c) => JSON.parse(c.inputs.spec));
    const cluster = byType(run, K8S_JOB).map((j) => {
        const argv: string[] = j.inputs.spec.template.spec.containers[0].args;
        const app = argv.findIndex((a) => a.startsWith("local://"));
        return {
            job: j.inputs.metadata.labels["pyspark-k8s/job"],
            stack: j.inputs.metadata.labels["pyspark-k8s/stack"],
            namespace: j.inputs.metadata.namespace,
            serviceAccountName: j.inputs.spec.template.spec.serviceAccountName,
            image: j.inputs.spec.template.spec.containers[0].image,
            app: argv[app],
            args: argv.slice(app + 1),
            conf: Object.fromEntries(
                argv.flatMap((a, i) =>
                    argv[i - 1] === "--conf" ? [a.split(/=(.*)/s).slice(0, 2)] : [],
                ),
            ),
        };
    });
    return [...local, ...cluster];
}

/** Every resource that runs a job: local runs and cluster runs' Jobs. */
const runsOf = (run: ProgramRun) => [...byType(run, JOB_RUN), ...byType(run, K8S_JOB)];

/** What every stack must satisfy, whatever its settings. */
function commonChecks(
    run: ProgramRun,
    expected: { namespace: string; serviceAccount: string; image: string },
): void {
    expect(run.error).toBeUndefined();
    const provider = run.registered.filter((r) => r.type === "pulumi:providers:kubernetes");
    expect(provider).toHaveLength(1);
    for (const r of run.registered.filter((x) => x.type.startsWith("kubernetes:"))) {
        // Every Kubernetes object goes through the stack's provider ...
        expect(r.provider).toMatch(/::cluster::cluster-id$/);
        // ... and every namespaced one lands in the stack's namespace.
        if (r.type !== K8S.ns && r.type !== K8S.role && r.type !== K8S.crb)
            expect(r.inputs.metadata.namespace).toBe(expected.namespace);
    }
    const [role] = byType(run, K8S.role);
    expect(role.inputs.rules).toEqual([
        {
            apiGroups: [""],
            resources: ["pods", "services", "configmaps", "persistentvolumeclaims"],
            verbs: DRIVER_VERBS,
        },
    ]);
    // The driver's identity (the log keeper and the History Server have their own).
    const ofRbac = (r: Registered) => r.parentUrn.includes("pyspark-k8s:rbac:SparkRbac::");
    const [sa] = byType(run, K8S.sa).filter(ofRbac);
    expect(sa.inputs.metadata.name).toBe(expected.serviceAccount);
    const bindings = [...byType(run, K8S.crb), ...byType(run, K8S.rb)].filter(ofRbac);
    expect(bindings).toHaveLength(1);
    expect(bindings[0].inputs.subjects).toEqual([
        { kind: "ServiceAccount", name: expected.serviceAccount, namespace: expected.namespace },
    ]);
    expect(bindings[0].inputs.roleRef.name).toBe(role.inputs.metadata?.name ?? "spark-role-abc123");
    for (const spec of jobSpecs(run)) {
        expect(spec).toMatchObject({
            namespace: expected.namespace,
            serviceAccountName: expected.serviceAccount,
            image: expected.image,
        });
    }
    for (const spec of jobSpecs(run))
        expect(JSON.stringify(spec)).not.toContain(SECRET_PLACEHOLDER);
    for (const jobRun of byType(run, JOB_RUN)) {
        // Secrets never reach a job's spec (it is plain in state and in the runner's environment).
        expect(jobRun.inputs.spec).not.toContain(SECRET_PLACEHOLDER);
        expect(jobRun.inputs.image).toBe(expected.image);
        expect(jobRun.inputs.runId).toBe("1");
    }
    for (const build of byType(run, IMAGE_BUILD)) {
        // The registry password is an input of the build only, and a secret there.
        for (const [key, value] of Object.entries(build.inputs)) {
            if (key !== "registryPassword")
                expect(JSON.stringify(value)).not.toContain(SECRET_PLACEHOLDER);
        }
        if (build.inputs.registryPassword !== undefined)
            expect(build.inputs.registryPassword.value).toBe(SECRET_PLACEHOLDER);
    }
    // `result`: the named resultJob's, or the only job's; local names pi next to its ETL job.
    const jobs = Object.keys(run.outputs.jobRuns as object);
    expect(run.outputs.result).toBe(
        jobs.length === 1 || jobs.includes("pi") ? "Pi is roughly 3.14" : undefined,
    );
    expect(run.outputs.imageRef).toBe(expected.image);
    expect(run.outputs.namespace).toBe(expected.namespace);
}

describe("stack dev (minikube)", () => {
    it("builds with the docker CLI on the official Spark image, creates the namespace and binds in it only (the default), sized for minikube", async () => {
        const run = await runOf("dev");
        const image = `localhost:5000/pyspark-jobs@${DIGEST}`;
        commonChecks(run, { namespace: "spark-dev", serviceAccount: "spark-driver", image });
        expect(byType(run, K8S.ns).map((r) => r.inputs.metadata.name)).toEqual(["spark-dev"]);
        expect(byType(run, K8S.crb)).toHaveLength(0);
        expect(byType(run, K8S.rb)).toHaveLength(1);
        expect(byType(run, IMAGE_BUILD)[0].inputs).toMatchObject({
            imageName: "localhost:5000/pyspark-jobs:dev",
            context: "app",
            dockerfile: "app/Dockerfile",
            baseImage: "apache/spark:4.1.2-scala2.13-java21-python3-ubuntu",
        });
        expect(byType(run, IMAGE_BUILD)[0].inputs.registryPassword).toBeUndefined();
        expect(byType(run, "pulumi:providers:kubernetes")[0].inputs.context).toBe("minikube");
        const [spec] = jobSpecs(run);
        expect(spec).toMatchObject({
            job: "pi",
            stack: "dev",
            app: "local:///opt/spark/work-dir/app/jobs/pi.py",
            conf: {
                "spark.executor.instances": "2",
                "spark.executor.memory": "512m",
                "spark.executor.memoryOverhead": "64m",
            },
        });
        expect(run.outputs.jobRuns).toEqual({
            pi: {
                submitter: "cluster",
                runName: byType(run, K8S_JOB)[0].inputs.metadata.name,
                namespace: "spark-dev",
                driverPod: "pi-x-driver",
                exitCode: 0,
                durationSeconds: 12.3,
                executorsStarted: 2,
                result: "Pi is roughly 3.14",
                attempts: 1,
            },
        });
    });
});

describe("stack staging", () => {
    it("runs three executors from the team registry", async () => {
        const run = await runOf("staging");
        commonChecks(run, {
            namespace: "spark-staging",
            serviceAccount: "spark-driver",
            image: `registry.example.com/data/pyspark-jobs@${DIGEST}`,
        });
        expect(jobSpecs(run)[0]).toMatchObject({
            conf: { "spark.executor.instances": "3", "spark.executor.memory": "1g" },
            args: ["8", "1000000"],
        });
    });
});

describe("stack prod", () => {
    it("binds least-privilege in its namespace, leaves the namespace alone and keeps registry credentials secret", async () => {
        const { secretKeys } = stackConfig("prod");
        const run = await runOf("prod");
        commonChecks(run, {
            namespace: "spark-prod",
            serviceAccount: "spark-driver",
            image: `registry.example.com/data/pyspark-jobs@${DIGEST}`,
        });
        expect(byType(run, K8S.ns)).toHaveLength(0);
        expect(byType(run, K8S.crb)).toHaveLength(0);
        expect(byType(run, K8S.rb)).toHaveLength(1);
        expect(secretKeys).toEqual(["pyspark-k8s:registryPassword"]);
        const [image] = byType(run, IMAGE_BUILD);
        expect(image.inputs.registryUsername).toBe("pyspark-deployer");
        expect(image.inputs.registryPassword.value).toBe(SECRET_PLACEHOLDER);
        expect(jobSpecs(run)[0]).toMatchObject({
            conf: {
                "spark.executor.instances": "5",
                "spark.executor.cores": "2",
                "spark.executor.memory": "2g",
                "spark.kubernetes.executor.label.team": "data-platform",
            },
        });
    });
});

describe("stack local (this repo's cluster)", () => {
    it("builds on the local Spark base image and reaches the cluster through its kubeconfig", async () => {
        const run = await runOf("local");
        commonChecks(run, {
            namespace: "spark-local",
            serviceAccount: "spark-driver",
            image: `127.0.0.1:5000/pyspark-jobs@${DIGEST}`,
        });
        expect(byType(run, IMAGE_BUILD)[0].inputs).toMatchObject({
            imageName: "127.0.0.1:5000/pyspark-jobs:local",
            baseImage: "127.0.0.1:5000/spark-py:3.5.7",
        });
        expect(jobSpecs(run)[0]).toMatchObject({ conf: { "spark.executor.instances": "2" } });
        // The runner follows the run through the stack's kubeconfig and context.
        expect(byType(run, RUN_RESULT)[0].inputs.cluster).toEqual({
            kubeconfig: "/var/lib/pyspark-k8s/cluster/kubeconfig",
            context: "psk-local",
        });
    });

    it("observes its runs: event logs on the object store, a History Server, the pod logs kept, metrics", async () => {
        const run = await runOf("local");
        expect(run.error).toBeUndefined();
        for (const spec of jobSpecs(run))
            expect(spec).toMatchObject({
                conf: {
                    "spark.eventLog.dir": "s3a://psk-history/events",
                    "spark.ui.prometheus.enabled": "true",
                },
            });
        expect(byType(run, "pyspark-k8s:history:SparkHistoryServer").map((r) => r.name)).toEqual([
            "spark-history",
        ]);
        expect(byType(run, "pyspark-k8s:logs:SparkLogKeeper").map((r) => r.name)).toEqual([
            "log-keeper",
        ]);
        // The store's keys reach Secrets only.
        for (const r of run.registered.filter(
            (x) => x.type.startsWith("kubernetes:") && x.type !== "kubernetes:core/v1:Secret",
        ))
            expect(JSON.stringify(r.inputs)).not.toContain(SECRET_PLACEHOLDER);
        expect(run.outputs.logKeeper).toMatchObject({
            location: "s3://psk-history/logs/spark-local/",
            namespace: "spark-local",
        });
    });
});

describe("every stack file", () => {
    const stacks = fs
        .readdirSync(ROOT)
        .filter((f) => /^Pulumi\.[a-z0-9-]+\.yaml$/.test(f))
        .map((f) => f.split(".")[1]);

    it("is covered by a test above", () => {
        expect(stacks.sort()).toEqual(["dev", "local", "prod", "staging"]);
    });

    it.each(stacks)(
        "%s: each job's run is registered after the stack's RBAC objects",
        async (stack) => {
            const run = await runOf(stack);
            const runs = runsOf(run);
            expect(runs.length).toBeGreaterThan(0);
            // The job is ordered after the binding: it is registered last among Kubernetes-related resources.
            // (Its inputs, the namespace and service account, order it so already; the test below
            // checks the dependsOn that orders it after every RBAC object.)
            const lastRbac = Math.max(
                ...run.registered.map((r, i) =>
                    r.type.startsWith("kubernetes:") &&
                    r.parentUrn.includes("pyspark-k8s:rbac:SparkRbac::")
                        ? i
                        : -1,
                ),
            );
            for (const r of runs) expect(run.registered.indexOf(r)).toBeGreaterThan(lastRbac);
        },
    );

    it.each(stacks)(
        "%s: every SparkJob is constructed with dependsOn: [the stack's SparkRbac], not only the RBAC outputs among its inputs",
        async (stack) => {
            const run = await runOf(stack);
            expect(run.error).toBeUndefined();
            const [rbac, ...otherRbac] = byType(run, "pyspark-k8s:rbac:SparkRbac");
            expect(otherRbac).toEqual([]);
            expect(rbac.urn).toMatch(/pyspark-k8s:rbac:SparkRbac::spark$/);
            const sparkJobs = byType(run, "pyspark-k8s:job:SparkJob");
            expect(sparkJobs.map((j) => j.name).sort()).toEqual(
                Object.keys(run.outputs.jobRuns as object).sort(),
            );
            // And after the log keeper, where the stack keeps pod logs: it keeps them from the first run on.
            const keepers = byType(run, "pyspark-k8s:logs:SparkLogKeeper").map((k) => k.urn);
            for (const job of sparkJobs) expect(job.dependsOn).toEqual([rbac.urn, ...keepers]);
        },
    );
});

describe("several jobs", () => {
    it("share one image and one set of RBAC objects, each with its own run", async () => {
        const { config, secretKeys } = stackConfig("local");
        const jobs = JSON.parse(config["pyspark-k8s:jobs"]);
        jobs.etl = {
            app: "jobs/etl.py",
            args: ["--day", "2026-11-24"],
            executor: { instances: 1 },
        };
        const run = await runProgram(
            "local",
            { ...config, "pyspark-k8s:jobs": JSON.stringify(jobs) },
            secretKeys,
        );
        commonChecks(run, {
            namespace: "spark-local",
            serviceAccount: "spark-driver",
            image: `127.0.0.1:5000/pyspark-jobs@${DIGEST}`,
        });
        expect(byType(run, IMAGE_BUILD)).toHaveLength(1);
        expect(byType(run, K8S.role)).toHaveLength(1);
        expect(
            byType(run, K8S.sa).filter((r) => r.parentUrn.includes("pyspark-k8s:rbac:SparkRbac::")),
        ).toHaveLength(1);
        expect(
            runsOf(run)
                .map((r) => r.name)
                .sort(),
        ).toEqual(["etl-job", "pi-job"]);
        expect(jobSpecs(run).map((s) => [s.job, s.app])).toEqual(
            expect.arrayContaining([
                ["pi", "local:///opt/spark/work-dir/app/jobs/pi.py"],
                ["etl", "local:///opt/spark/work-dir/app/jobs/etl.py"],
            ]),
        );
        expect(Object.keys(run.outputs.jobRuns as object).sort()).toEqual(["etl", "pi"]);
    });
});

describe("bad configuration", () => {
    it("fails before registering anything, listing every problem", async () => {
        const { config } = stackConfig("dev");
        const jobs = JSON.parse(config["pyspark-k8s:jobs"]);
        jobs.pi.executor.instances = 0;
        jobs.pi.driver.memory = "lots";
        const run = await runProgram("dev", {
            ...config,
            "pyspark-k8s:namespace": "Not_A_Label",
            "pyspark-k8s:jobs": JSON.stringify(jobs),
            "pyspark-k8s:cluster": JSON.stringify({ master: "k8s://https://minikube" }),
            "pyspark-k8s:image": JSON.stringify({ mode: "docker", registry: "localhost:5000" }),
            "pyspark-k8s:executors": "5",
        });
        expect(run.error?.message).toMatch(
            /^invalid configuration of stack 'dev': 6 problems, nothing was created:/,
        );
        for (const key of [
            "namespace",
            "jobs.pi.executor.instances",
            "jobs.pi.driver.memory",
            "cluster.master",
            "image.repository",
            "executors",
        ]) {
            expect(run.error?.message).toContain(`pyspark-k8s:${key}: `);
        }
        expect(run.registered).toEqual([]);
    });

    it("says which keys are required when a stack has no configuration at all", async () => {
        const run = await runProgram("empty", {});
        expect(run.error?.message).toMatch(
            /^invalid configuration of stack 'empty': 2 problems, nothing was created:/,
        );
        expect(run.error?.message).toContain("pyspark-k8s:image: ");
        expect(run.error?.message).toContain("pyspark-k8s:jobs: ");
        expect(run.registered).toEqual([]);
    });

    it("refuses a secret outside registryPassword", async () => {
        const { config } = stackConfig("dev");
        const run = await runProgram("dev", { ...config, "pyspark-k8s:namespace": "spark-dev" }, [
            "pyspark-k8s:namespace",
        ]);
        expect(run.error?.message).toMatch(
            /pyspark-k8s:namespace: is a secret, but only registryPassword, secretEnv, storeKeys may be/,
        );
        expect(run.registered).toEqual([]);
    });
});
