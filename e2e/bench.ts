/**
 * Benchmark (npm run bench; not a test): what Pulumi adds to a Spark job run, on the
 * local cluster. Prints a table of medians.
 *
 * - `pulumi up` that runs the pi job (runId bumped) vs plain `spark-submit` of the same
 *   app with the same image, executors and settings (waiting for completion, as by
 *   hand), alternating;
 * - no-op `pulumi preview` and `pulumi up` of the stack vs `pulumi preview` of an empty
 *   program;
 * - bring-up of the cluster (state purged: new certificates, empty etcd; binaries
 *   cached) and warm (state kept), and of the image services (caches kept);
 * - what the stack's observability adds to a run (event log, kept pod logs, metrics):
 *   the same pi run with it on, alternating with the runs above.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { validateStackConfig } from "../lib/stackValidation";
import { runSpec } from "../package/src/lib/runSpec";
import { localPodTemplateFiles, sparkMaster, sparkSubmitArgs } from "../package/src/lib/submit";
import { removeRun } from "../package/src/runner/runner";
import { objectStoreUp } from "./etl";
import { KUBECONFIG, Project, REPO, adminClient, sourcedEnv } from "./harness";
import { localStackKeys, prepareHistoryBucket } from "./observe";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function timed(argv: string[], env: NodeJS.ProcessEnv = process.env, cwd = REPO): number {
    const started = Date.now();
    const out = spawnSync(argv[0], argv.slice(1), {
        cwd,
        env,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    if (out.status !== 0)
        throw new Error(`${argv.join(" ")} failed:\n${out.stdout}\n${out.stderr}`);
    return (Date.now() - started) / 1000;
}

/** Says what was just measured, as it happens (the whole bench takes minutes). */
function report(what: string, seconds: number): number {
    console.log(
        `[bench ${new Date().toISOString().slice(11, 19)}] ${what}: ${seconds.toFixed(1)} s`,
    );
    return seconds;
}

function must(run: { code: number | null; output: string; seconds: number }): number {
    if (run.code !== 0) throw new Error(run.output);
    return run.seconds;
}

/** The bench's stack and namespace: its own, so that a stack of `npm run job` stays untouched. */
const STACK = "bench";
const NAMESPACE = "spark-bench";

type StackDoc = { config: Record<string, unknown> };

/**
 * A copy of the project with stack `bench`: the local stack's pi job in its own namespace,
 * without the stack's observability unless `observed`.
 */
function benchProject(edit: (doc: StackDoc) => void = () => undefined, observed = false): Project {
    const project = new Project(STACK);
    const doc = yaml.load(
        fs.readFileSync(path.join(project.dir, "Pulumi.local.yaml"), "utf8"),
    ) as StackDoc;
    doc.config["pyspark-k8s:namespace"] = observed ? `${NAMESPACE}-observed` : NAMESPACE;
    if (!observed) {
        delete doc.config["pyspark-k8s:observability"];
        delete doc.config["pyspark-k8s:storeKeys"];
    }
    // pi alone: the ETL job and its secrets are not what is measured. The image keeps its
    // jars (the S3 connector), which the observed stack's event log and History Server use:
    // both stacks then run the same image.
    delete (doc.config["pyspark-k8s:jobs"] as Record<string, unknown>).etl;
    delete doc.config["pyspark-k8s:secretEnv"];
    delete doc.config["pyspark-k8s:resultJob"]; // pi is the only job, so its result anyway
    edit(doc);
    fs.writeFileSync(path.join(project.dir, `Pulumi.${STACK}.yaml`), yaml.dump(doc));
    must(project.pulumi("stack", "init"));
    return project;
}

async function main(): Promise<void> {
    const rows: [string, number[], string][] = [];
    const project = benchProject();
    project.up(); // image, RBAC and a first run: not measured
    // The same stack with the local stack's observability, on the object store.
    const observed = benchProject(undefined, true);
    // The store's keys are the local stack's (its storeKeys, which the bench stack keeps).
    objectStoreUp(localStackKeys());
    prepareHistoryBucket();
    report(
        "first pulumi up with observability (History Server, log keeper, a first run)",
        observed.up().seconds,
    );
    const runSeconds = (p: Project) =>
        Number(
            (p.outputs().jobRuns as Record<string, { durationSeconds: number }>).pi.durationSeconds,
        );

    // By hand, for comparison: spark-submit in cluster mode from this machine,
    // with the same job settings and image as the stack's run.
    const stackFile = yaml.load(
        fs.readFileSync(path.join(project.dir, `Pulumi.${STACK}.yaml`), "utf8"),
    ) as StackDoc;
    const raw = Object.fromEntries(
        Object.entries(stackFile.config).map(([k, v]) => [k.replace(/^pyspark-k8s:/, ""), v]),
    );
    const config = validateStackConfig(raw, STACK);
    const pi = config.jobs.find((job) => job.name === "pi");
    if (!pi) throw new Error(`the ${STACK} stack has no job pi`);
    const spec = runSpec(pi.settings, {
        project: "pyspark-k8s",
        stack: STACK,
        job: "pi",
        namespace: config.rbac.namespace,
        serviceAccountName: config.rbac.serviceAccountName,
        image: String(project.outputs().imageRef),
        runAsUser: config.image.runAsUser,
        cluster: { kubeconfig: KUBECONFIG, context: "psk-local" },
    });
    // The same pod templates as the stack's pods: the namespace enforces Pod Security.
    const podTemplateDir = fs.mkdtempSync(path.join(os.tmpdir(), "psk-bench-templates-"));
    for (const [name, content] of Object.entries(localPodTemplateFiles(spec)))
        fs.writeFileSync(path.join(podTemplateDir, name), content);
    const master = sparkMaster(adminClient().server);
    const toolchainEnv = sourcedEnv("toolchain/env.sh");
    const kube = adminClient();
    const cleanupDeps = {
        kube,
        now: () => Date.now(),
        sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
        log: () => undefined,
        startSubmit: () => {
            throw new Error("unused");
        },
        newRunTag: () => "unused",
        writePodTemplates: () => podTemplateDir,
    };

    const viaPulumi: number[] = [];
    const plain: number[] = [];
    const withObservability: number[] = [];
    const runOff: number[] = [];
    const runOn: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        project.set("jobs.pi.runId", `bench-${i}`);
        viaPulumi.push(report(`run ${i + 1}: pulumi up running pi`, project.up().seconds));
        runOff.push(report(`run ${i + 1}: its run, in the cluster`, runSeconds(project)));
        observed.set("jobs.pi.runId", `bench-${i}`);
        withObservability.push(
            report(`run ${i + 1}: pulumi up running pi, observed`, observed.up().seconds),
        );
        runOn.push(report(`run ${i + 1}: its run, in the cluster`, runSeconds(observed)));
        const tag = `plain${i}${Date.now().toString(36).slice(-4)}`;
        const args = sparkSubmitArgs(spec, { master, runName: `pi-${tag}`, podTemplateDir }).map(
            (a) =>
                a === "spark.kubernetes.submission.waitAppCompletion=false"
                    ? "spark.kubernetes.submission.waitAppCompletion=true"
                    : a,
        );
        plain.push(
            report(
                `run ${i + 1}: plain spark-submit`,
                timed(["spark-submit", ...args], { ...toolchainEnv, KUBECONFIG }),
            ),
        );
        console.log(
            `[bench ${new Date().toISOString().slice(11, 19)}] run ${i + 1}: ratio ${(viaPulumi[i] / plain[i]).toFixed(2)} (target <= 1.0 in every run)`,
        );
        await removeRun(cleanupDeps, spec.namespace, `pyspark-k8s/run=pi-${tag}`);
    }
    rows.push(["pulumi up running the pi job (submitter cluster)", viaPulumi, ""]);
    rows.push([
        "the same with event log, kept pod logs and metrics (the local stack's observability)",
        withObservability,
        `+${(median(withObservability) - median(viaPulumi)).toFixed(1)} s`,
    ]);
    rows.push(["the run itself (jobRuns durationSeconds), observability off", runOff, ""]);
    rows.push([
        "the run itself, observability on",
        runOn,
        `+${(median(runOn) - median(runOff)).toFixed(1)} s`,
    ]);
    must(observed.pulumi("destroy", "--yes", "--skip-preview"));
    observed.dispose();
    const perRun = viaPulumi.map((v, i) => v / plain[i]);
    rows.push([
        "plain spark-submit in cluster mode from this machine, same app and settings",
        plain,
        `ratio per run ${perRun.map((r) => r.toFixed(2)).join(", ")}; target <= 1.0 in every run: ${perRun.every((r) => r <= 1.0) ? "met" : "NOT met"}`,
    ]);

    const noopPreview: number[] = [];
    const noopUp: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        noopPreview.push(
            report(
                `no-op preview ${i + 1}`,
                must(project.pulumi("preview", "--expect-no-changes")),
            ),
        );
        noopUp.push(report(`no-op up ${i + 1}`, project.up().seconds));
    }
    const empty = path.join(project.root, "empty-program");
    fs.mkdirSync(empty);
    fs.writeFileSync(
        path.join(empty, "Pulumi.yaml"),
        "name: empty\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
    );
    fs.writeFileSync(path.join(empty, "index.ts"), "export {};\n");
    fs.writeFileSync(
        path.join(empty, "package.json"),
        JSON.stringify({ name: "empty", main: "index.ts" }),
    );
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(empty, "node_modules"));
    fs.copyFileSync(path.join(REPO, "tsconfig.json"), path.join(empty, "tsconfig.json"));
    fs.mkdirSync(path.join(empty, ".backend"));
    const emptyEnv = {
        ...toolchainEnv,
        PULUMI_BACKEND_URL: `file://${path.join(empty, ".backend")}`,
        TMPDIR: path.join(project.root, "tmp"),
    };
    timed(["pulumi", "stack", "init", "empty", "--non-interactive"], emptyEnv, empty);
    const emptyPreview: number[] = [];
    for (let i = 0; i < RUNS; i++)
        emptyPreview.push(
            report(
                `empty program preview ${i + 1}`,
                timed(["pulumi", "preview", "--non-interactive"], emptyEnv, empty),
            ),
        );
    const ratio = (a: number[]) =>
        `${(median(a) / median(emptyPreview)).toFixed(2)}x the empty program, target <= 1.5`;
    rows.push(["no-op pulumi preview of the stack", noopPreview, ratio(noopPreview)]);
    rows.push(["no-op pulumi up of the stack", noopUp, ratio(noopUp)]);
    rows.push(["pulumi preview of an empty program", emptyPreview, ""]);
    must(project.pulumi("destroy", "--yes", "--skip-preview"));
    project.dispose();

    // Preview of a new stack with 20 jobs against the same with 1 job, alternating.
    const one: number[] = [];
    const twenty: number[] = [];
    const withJobs = (n: number) =>
        benchProject((doc) => {
            const pi = (doc.config["pyspark-k8s:jobs"] as Record<string, unknown>).pi;
            doc.config["pyspark-k8s:jobs"] = Object.fromEntries(
                Array.from({ length: n }, (_, i) => [`pi-${String(i + 1).padStart(2, "0")}`, pi]),
            );
        });
    const small = withJobs(1);
    const large = withJobs(20);
    for (let i = 0; i < RUNS; i++) {
        one.push(report(`preview of a new 1-job stack ${i + 1}`, must(small.pulumi("preview"))));
        twenty.push(
            report(`preview of a new 20-job stack ${i + 1}`, must(large.pulumi("preview"))),
        );
    }
    small.dispose();
    large.dispose();
    rows.push(["pulumi preview of a new stack with 1 job", one, ""]);
    rows.push([
        "pulumi preview of a new stack with 20 jobs",
        twenty,
        `${(median(twenty) / median(one)).toFixed(2)}x the 1-job stack, target <= 1.5`,
    ]);

    const clusterPurged: number[] = [];
    const clusterWarm: number[] = [];
    const imagesWarm: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        timed(["bash", "local/cluster/cluster.sh", "down", "--purge"]);
        clusterPurged.push(
            report(
                `cluster up, purged ${i + 1}`,
                timed(["bash", "local/cluster/cluster.sh", "up"]),
            ),
        );
        timed(["bash", "local/cluster/cluster.sh", "down"]);
        clusterWarm.push(
            report(`cluster up, warm ${i + 1}`, timed(["bash", "local/cluster/cluster.sh", "up"])),
        );
        timed(["bash", "local/images/images.sh", "down"]);
        imagesWarm.push(
            report(`image services up ${i + 1}`, timed(["bash", "local/images/images.sh", "up"])),
        );
    }
    rows.push(["cluster up, state purged (binaries cached)", clusterPurged, ""]);
    rows.push(["cluster up, state kept", clusterWarm, ""]);
    rows.push(["image services up (dockerd, registry, base image cached)", imagesWarm, ""]);

    const width = Math.max(...rows.map((r) => r[0].length));
    console.log(`\n${"what".padEnd(width)} | median s | runs (s)`);
    console.log(`${"-".repeat(width)} | -------- | --------`);
    for (const [what, values, note] of rows) {
        console.log(
            `${what.padEnd(width)} | ${median(values).toFixed(1).padStart(8)} | ${values.map((v) => v.toFixed(1)).join(", ")}${note ? `  (${note})` : ""}`,
        );
    }
    console.log(
        `\n${RUNS} runs each, alternating where compared; 2 cores, 24 GiB; Kubernetes 1.34.4, Spark 3.5.7 image, Pulumi ${process.env.PULUMI_VERSION ?? "(unknown)"}.`,
    );
    console.log(
        "Cold builds (toolchain, cluster binaries, base image from nothing) are timed by their own scripts on a fresh machine; see the README.",
    );
}

main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
