/**
 * What the end-to-end scenario drives: the built Pulumi CLI on a copy of the project
 * (so stack files and config changes stay out of the checkout) with a fresh file
 * backend, and the local cluster's API through the job runner's own client.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@kubernetes/client-node";
import * as yaml from "js-yaml";
import { KubeClient, Resource, loadKubeConfig } from "../package/src/runner/kube";
import { httpStatus } from "../package/src/lib/retry";

export const REPO = path.join(__dirname, "..");
export const STATE = process.env.PSK_STATE ?? "/var/lib/pyspark-k8s";
export const KUBECONFIG = path.join(STATE, "cluster", "kubeconfig");

/** The environment after sourcing `scripts` (e.g. toolchain/env.sh) in the repository. */
export function sourcedEnv(...scripts: string[]): NodeJS.ProcessEnv {
    const shell = spawnSync(
        "bash",
        ["-c", `${scripts.map((s) => `. ${s}`).join(" && ")} && env -0`],
        { cwd: REPO, encoding: "utf8" },
    );
    if (shell.status !== 0) throw new Error(`cannot source ${scripts.join(", ")}: ${shell.stderr}`);
    return Object.fromEntries(
        shell.stdout
            .split("\0")
            .filter(Boolean)
            .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
}

/** A CLI run: exit code, combined output, wall time. */
export interface CliRun {
    readonly code: number | null;
    readonly output: string;
    readonly seconds: number;
}

/** A throwaway copy of the project with its own backend, driven by the built CLI. */
export class Project {
    readonly dir: string;
    /** Holds the project copy, its backend and its runs' temp files; removed by dispose(). */
    readonly root: string;
    protected readonly env: NodeJS.ProcessEnv;

    /**
     * @param stack the stack's name; its settings file is the checkout's, or `stackFile`.
     * @param stackFile the whole settings file (`config:` and any `encryptionsalt:`) to write.
     */
    constructor(
        readonly stack: string,
        stackFile?: Record<string, unknown>,
    ) {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "pyspark-k8s-e2e-"));
        this.root = root;
        this.dir = path.join(root, "project");
        fs.mkdirSync(path.join(root, "backend"));
        fs.mkdirSync(path.join(root, "tmp"));
        const files = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
            cwd: REPO,
            encoding: "utf8",
        })
            .stdout.split("\n")
            .filter(
                (f) => f && !f.startsWith("node_modules/") && fs.existsSync(path.join(REPO, f)),
            );
        for (const file of files) {
            fs.mkdirSync(path.dirname(path.join(this.dir, file)), { recursive: true });
            fs.copyFileSync(path.join(REPO, file), path.join(this.dir, file));
            fs.chmodSync(path.join(this.dir, file), fs.statSync(path.join(REPO, file)).mode);
        }
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(this.dir, "node_modules"));
        if (stackFile)
            fs.writeFileSync(path.join(this.dir, `Pulumi.${stack}.yaml`), yaml.dump(stackFile));
        // The toolchain's environment, plus the local image engine's.
        this.env = sourcedEnv("toolchain/env.sh", "local/images/env.sh");
        Object.assign(this.env, {
            PULUMI_BACKEND_URL: `file://${path.join(root, "backend")}`,
            DOCKER: "/usr/bin/docker",
            DOCKER_BUILDKIT: "0",
            DOCKER_BUILD_NETWORK: "host",
            // The kubernetes provider leaves a kubeconfig copy in the temp dir on every run.
            TMPDIR: path.join(root, "tmp"),
        });
    }

    /** Removes the copy, its backend and temp files (call after destroy). */
    dispose(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }

    /** Runs `pulumi <args>` for this stack. */
    pulumi(...args: string[]): CliRun {
        const started = Date.now();
        // Common flags go before any `--`, after which everything is a value.
        const split = args.includes("--") ? args.indexOf("--") : args.length;
        const argv = [
            ...args.slice(0, split),
            "--stack",
            this.stack,
            "--non-interactive",
            "--color",
            "never",
            ...args.slice(split),
        ];
        const out = spawnSync("pulumi", argv, {
            cwd: this.dir,
            env: this.env,
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
            timeout: 20 * 60 * 1000,
        });
        return {
            code: out.status,
            output: `${out.stdout}\n${out.stderr}`,
            seconds: (Date.now() - started) / 1000,
        };
    }

    /**
     * Starts `pulumi <args>` in its own process group (so that it and its plugins can be
     * killed together, as a CI runner kills a job) and returns at once.
     */
    start(...args: string[]): RunningCli {
        const started = Date.now();
        const argv = [...args, "--stack", this.stack, "--non-interactive", "--color", "never"];
        const child = spawn("pulumi", argv, { cwd: this.dir, env: this.env, detached: true });
        let output = "";
        child.stdout?.on("data", (c: Buffer) => (output += c.toString("utf8")));
        child.stderr?.on("data", (c: Buffer) => (output += c.toString("utf8")));
        const done = new Promise<CliRun>((resolve) =>
            child.on("close", (code) =>
                resolve({ code, output, seconds: (Date.now() - started) / 1000 }),
            ),
        );
        return { child, done, output: () => output };
    }

    /** `pulumi up`; throws with the output if it fails. */
    up(...args: string[]): CliRun {
        const run = this.pulumi("up", "--yes", "--skip-preview", ...args);
        if (run.code !== 0) throw new Error(`pulumi up failed (${run.code}):\n${run.output}`);
        return run;
    }

    /** Sets a config value by path (`jobs.pi.executor.instances`), as an int when it is one. */
    set(pathKey: string, value: string): void {
        const type = /^-?[0-9]+$/.test(value) && !pathKey.includes("args[") ? "int" : "string";
        const run = this.pulumi(
            "config",
            "set",
            "--path",
            "--type",
            type,
            `pyspark-k8s:${pathKey}`,
            "--",
            value,
        );
        if (run.code !== 0) throw new Error(`config set ${pathKey} failed:\n${run.output}`);
    }

    /** Sets a list by path (`jobs.pi.args`), replacing what was there. */
    setList(pathKey: string, values: readonly string[]): void {
        this.pulumi("config", "rm", "--path", `pyspark-k8s:${pathKey}`);
        values.forEach((value, i) => {
            const key = `pyspark-k8s:${pathKey}[${i}]`;
            const run = this.pulumi(
                "config",
                "set",
                "--path",
                "--type",
                "string",
                key,
                "--",
                value,
            );
            if (run.code !== 0)
                throw new Error(`config set ${pathKey}[${i}] failed:\n${run.output}`);
        });
    }

    /** The stack's outputs. */
    outputs(): Record<string, unknown> {
        const run = this.pulumi("stack", "output", "--json");
        if (run.code !== 0) throw new Error(`stack output failed:\n${run.output}`);
        return JSON.parse(run.output) as Record<string, unknown>;
    }
}

/** A CLI run in progress (see Project.start). */
export interface RunningCli {
    readonly child: ChildProcess;
    readonly done: Promise<CliRun>;
    /** What it printed so far. */
    output(): string;
}

/** Every process descended from `pid` (Pulumi starts its plugins in process groups of their own). */
export function descendants(pid: number): number[] {
    const children = new Map<number, number[]>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^[0-9]+$/.test(entry)) continue;
        try {
            // pid (comm) state ppid ...: comm may hold spaces, so read after its ')'.
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
            children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
        } catch {
            // gone meanwhile
        }
    }
    const found: number[] = [];
    for (let queue = [pid]; queue.length > 0;) {
        const next = children.get(queue.shift() as number) ?? [];
        found.push(...next);
        queue = [...queue, ...next];
    }
    return found;
}

/**
 * SIGKILL to a started CLI run and every process it started, as when the deployer's
 * machine dies: its process group and each descendant (plugins have groups of their own).
 */
export function killGroup(run: RunningCli): number[] {
    const pid = run.child.pid;
    if (pid === undefined) return [];
    const tree = descendants(pid);
    for (const p of [pid, ...tree]) {
        try {
            process.kill(p, "SIGKILL");
        } catch {
            // already gone
        }
    }
    try {
        process.kill(-pid, "SIGKILL");
    } catch {
        // no such group any more
    }
    return [pid, ...tree];
}

/** Whether a process still runs (a zombie waiting for its parent to reap it does not). */
export function alive(pid: number): boolean {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return !["Z", "X"].includes(
            stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3),
        );
    } catch {
        return false;
    }
}

/** Stops the local cluster's kube-apiserver for `seconds`, then starts it again (blocks). */
export function pauseApiServer(seconds: number): void {
    const out = spawnSync("bash", ["local/cluster/cluster.sh", "pause-api", String(seconds)], {
        cwd: REPO,
        encoding: "utf8",
    });
    if (out.status !== 0)
        throw new Error(`cluster.sh pause-api failed:\n${out.stdout}\n${out.stderr}`);
}

/** The local cluster, as its admin. */
export function adminClient(): KubeClient {
    return new KubeClient(loadKubeConfig(KUBECONFIG, "psk-local"), { retryWindowMs: 30_000 });
}

/** Which object to read: its API version, kind, name and (if namespaced) namespace. */
export interface ObjectRef {
    readonly apiVersion: string;
    readonly kind: string;
    readonly name: string;
    readonly namespace?: string;
}

function objectApi(kube: KubeClient): k8s.KubernetesObjectApi {
    return k8s.KubernetesObjectApi.makeApiClient(kube.kc);
}

/** Reads any object; undefined if it does not exist. */
export async function getObject<T>(kube: KubeClient, ref: ObjectRef): Promise<T | undefined> {
    try {
        const spec = {
            apiVersion: ref.apiVersion,
            kind: ref.kind,
            metadata: { name: ref.name, namespace: ref.namespace },
        };
        return (await objectApi(kube).read(spec)) as T;
    } catch (err) {
        if (httpStatus(err) === 404) return undefined;
        throw err;
    }
}

/** Replaces the verbs of a ClusterRole's first rule (to prove a verb is needed). */
export async function setClusterRoleVerbs(
    kube: KubeClient,
    name: string,
    verbs: string[],
): Promise<void> {
    const ref = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", name };
    const role = await getObject<k8s.V1ClusterRole>(kube, ref);
    if (!role?.rules) throw new Error(`no ClusterRole ${name}`);
    role.rules[0].verbs = verbs;
    await objectApi(kube).replace({ ...role, apiVersion: ref.apiVersion, kind: ref.kind });
}

export interface ObjectView {
    metadata: {
        name: string;
        labels?: Record<string, string>;
        ownerReferences?: { uid: string; kind?: string; name?: string }[];
        deletionTimestamp?: string | Date;
    };
    spec?: { serviceAccountName?: string };
    status?: { phase?: string };
}

/** Objects of a kind in a namespace, optionally by label selector. */
export async function list(
    kube: KubeClient,
    namespace: string,
    kind: Resource,
    selector?: string,
): Promise<ObjectView[]> {
    return kube.list<ObjectView>(namespace, kind, selector);
}

/** Calls `probe` every second until `done` accepts its value or `boundMs` has passed; returns the last value. */
export async function pollUntil<T>(
    probe: () => Promise<T>,
    done: (value: T) => boolean,
    boundMs: number,
): Promise<T> {
    const deadline = Date.now() + boundMs;
    let value = await probe();
    while (!done(value) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        value = await probe();
    }
    return value;
}

/** The local stack's settings file, as the checkout has it. */
export function localStackFile(): { config: Record<string, unknown>; encryptionsalt?: string } {
    return yaml.load(fs.readFileSync(path.join(REPO, "Pulumi.local.yaml"), "utf8")) as {
        config: Record<string, unknown>;
        encryptionsalt?: string;
    };
}

/** The job image every case but the local stack's runs: built once per scenario (globalSetup.ts). */
export function caseImage(): string {
    const ref = process.env.PSK_E2E_IMAGE;
    if (!ref)
        throw new Error("PSK_E2E_IMAGE is not set: e2e/globalSetup.ts builds the cases' image");
    return ref;
}

/** What a case's stack says about itself: its jobs and anything else, under pyspark-k8s:. */
export interface CaseSettings {
    readonly jobs: Record<string, Record<string, unknown>>;
    /** Other top-level keys (cluster, rbac, resultJob, ...), merged over the case's defaults. */
    readonly [key: string]: unknown;
}

/**
 * One case of the scenario: a stack of its own in a namespace of its own, on the local
 * cluster, with the case image. `up()`s and checks, then `destroy()` in afterAll, which
 * also checks that nothing of the case is left.
 */
export class Case extends Project {
    readonly namespace: string;
    readonly kube: KubeClient;

    /**
     * @param name the case's name: its stack and its namespace (`e2e-<name>`).
     * @param settings its jobs and settings; `withSecrets` copies the local stack's encrypted
     *   secrets (secretEnv) and their salt.
     */
    constructor(name: string, settings: CaseSettings, withSecrets = false) {
        const local = localStackFile();
        const namespace = `e2e-${name}`;
        const config: Record<string, unknown> = {
            "pyspark-k8s:cluster": { kubeconfig: KUBECONFIG, context: "psk-local" },
            "pyspark-k8s:namespace": namespace,
            "pyspark-k8s:image": { mode: "existing", ref: caseImage(), sparkVersion: "3.5.7" },
        };
        for (const [key, value] of Object.entries(settings)) config[`pyspark-k8s:${key}`] = value;
        if (withSecrets) config["pyspark-k8s:secretEnv"] = local.config["pyspark-k8s:secretEnv"];
        super(name, {
            config,
            ...(withSecrets && local.encryptionsalt
                ? { encryptionsalt: local.encryptionsalt }
                : {}),
        });
        this.namespace = namespace;
        this.kube = adminClient();
        const init = this.pulumi("stack", "init");
        if (init.code !== 0) throw new Error(`stack init ${name} failed:\n${init.output}`);
    }

    /** The stack output `jobRuns.<job>`. */
    run(job: string): Record<string, unknown> {
        return (this.outputs().jobRuns as Record<string, Record<string, unknown>>)[job];
    }

    /** Pods of the case's namespace, by label selector. */
    pods(selector?: string): Promise<ObjectView[]> {
        return list(this.kube, this.namespace, "pods", selector);
    }

    /** Destroys the stack; keeps the copy for inspection when that fails, else removes it. */
    destroy(): CliRun {
        const destroyed = this.pulumi("destroy", "--yes", "--skip-preview");
        if (destroyed.code === 0) this.dispose();
        else
            process.stderr.write(
                `[e2e] ${this.stack} not destroyed; kept at ${this.root}\n${destroyed.output}\n`,
            );
        return destroyed;
    }
}

/** The digest reference of an image in the local registry (`127.0.0.1:5000/<repo>@sha256:...`). */
export function registryImage(repository: string, tag: string): string {
    const head = spawnSync(
        "curl",
        [
            "-sfI",
            "-H",
            "Accept: application/vnd.docker.distribution.manifest.v2+json",
            `http://127.0.0.1:5000/v2/${repository}/manifests/${tag}`,
        ],
        { encoding: "utf8" },
    );
    const digest = /^docker-content-digest:\s*(sha256:[a-f0-9]{64})/im.exec(head.stdout)?.[1];
    if (head.status !== 0 || !digest)
        throw new Error(`no image ${repository}:${tag} in the local registry`);
    return `127.0.0.1:5000/${repository}@${digest}`;
}
