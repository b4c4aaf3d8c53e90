/**
 * What the observability cases need: the event-log directory's marker in the object store,
 * the store's objects (event logs decompressed, kept pod logs), the History Server's REST
 * API, the local Prometheus, headless Chromium, a pod's memory from the kubelet, and job
 * images built with the package's own build script.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { S3Keys, kubectl, stackKeys } from "./etl";
import { Project, REPO, sourcedEnv } from "./harness";

/** The local stack's event-log and log-keeping bucket (Pulumi.local.yaml). */
export const HISTORY_BUCKET = "psk-history";
export const EVENT_LOG_DIR = `s3a://${HISTORY_BUCKET}/events`;
export const LOGS_DIR = `s3://${HISTORY_BUCKET}/logs`;
/** The store as the pods reach it: on the cluster's bridge. */
export const STORE = { endpoint: "http://10.244.0.1:8333", region: "us-east-1", pathStyle: true };

function run(argv: string[], env: NodeJS.ProcessEnv = process.env): string {
    const out = spawnSync(argv[0], argv.slice(1), {
        cwd: REPO,
        env,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
    });
    if (out.status !== 0)
        throw new Error(`${argv.slice(0, 4).join(" ")} failed (${out.status}):\n${out.stderr}`);
    return out.stdout;
}

const store = (...args: string[]) => run(["bash", "local/objectstore/objectstore.sh", ...args]);

/** The event-log directory's marker: it must exist before a run writes or a server reads. */
export function prepareHistoryBucket(): void {
    const empty = path.join(os.tmpdir(), `psk-empty-${process.pid}`);
    fs.writeFileSync(empty, "");
    try {
        store("put", HISTORY_BUCKET, "events/", empty);
    } finally {
        fs.rmSync(empty, { force: true });
    }
}

/** The local stack's S3 keys (its secrets), which the object store is keyed with. */
export function localStackKeys(): S3Keys {
    const local = new Project("local");
    try {
        const init = local.pulumi("stack", "init");
        if (init.code !== 0) throw new Error(`stack init local failed:\n${init.output}`);
        return stackKeys(local);
    } finally {
        local.dispose();
    }
}

/** Sets the stack's store keys (`storeKeys`) as secrets. */
export function setStoreKeys(project: Project, keys: S3Keys, readOnly?: S3Keys): void {
    const set = (key: string, value: string) => {
        const out = project.pulumi(
            "config",
            "set",
            "--secret",
            "--path",
            `pyspark-k8s:storeKeys.${key}`,
            "--",
            value,
        );
        if (out.code !== 0) throw new Error(`config set storeKeys.${key} failed:\n${out.output}`);
    };
    set("accessKeyId", keys.accessKeyId);
    set("secretAccessKey", keys.secretAccessKey);
    if (readOnly) {
        set("readOnly.accessKeyId", readOnly.accessKeyId);
        set("readOnly.secretAccessKey", readOnly.secretAccessKey);
    }
}

/** The keys under a prefix of a bucket. */
export function storeKeysUnder(bucket: string, prefix: string): string[] {
    return store("list", bucket, prefix)
        .split("\n")
        .filter((k) => k.length > 0);
}

/** An object's content, as text (pod logs) or bytes. */
export function storeObject(bucket: string, key: string): Buffer {
    const file = path.join(os.tmpdir(), `psk-object-${process.pid}-${Date.now()}`);
    try {
        store("get", bucket, key, file);
        return fs.readFileSync(file);
    } finally {
        fs.rmSync(file, { force: true });
    }
}

/** An event-log file's text: zstd-decompressed (pyarrow, in the toolchain's venv). */
export function eventLogText(key: string): string {
    const file = path.join(os.tmpdir(), `psk-eventlog-${process.pid}-${Date.now()}.zstd`);
    fs.writeFileSync(file, storeObject(HISTORY_BUCKET, key));
    try {
        return run(
            [
                "python",
                "-c",
                "import sys, pyarrow as pa; sys.stdout.write(pa.input_stream(sys.argv[1], compression='zstd').read().decode())",
                file,
            ],
            sourcedEnv("toolchain/env.sh"),
        );
    } finally {
        fs.rmSync(file, { force: true });
    }
}

/** A run's kept pod logs, by pod: `s3://bucket/prefix/<ns>/<run>/` -> { pod: text }. */
export function keptLogs(location: string): Record<string, string> {
    const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(location);
    if (!match) throw new Error(`not an s3:// location: ${location}`);
    const [, bucket, prefix] = match;
    return Object.fromEntries(
        storeKeysUnder(bucket, prefix)
            .filter((k) => k.endsWith(".log"))
            .map((k) => [
                k.slice(k.lastIndexOf("/") + 1, -".log".length),
                storeObject(bucket, k).toString("utf8"),
            ]),
    );
}

/** GET of the History Server's REST API (`/api/v1/...`), as JSON. */
export async function historyApi<T>(url: string, apiPath: string): Promise<T> {
    const response = await fetch(`${url}/api/v1${apiPath}`, {
        signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`${url}/api/v1${apiPath}: HTTP ${response.status}`);
    return (await response.json()) as T;
}

/** An instant query of the local Prometheus: its result vector. */
export async function promQuery(
    expr: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const url = `http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent(expr)}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return body.data.result;
}

/**
 * Headless Chromium (Debian's `chromium`, installed by scripts/e2e.sh) on a page: its DOM
 * after the page's scripts ran, and a screenshot if asked.
 */
export function chromium(url: string, screenshot?: string): string {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "psk-chromium-"));
    const flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        `--user-data-dir=${profile}`,
        "--window-size=1400,900",
    ];
    try {
        if (screenshot) run(["chromium", ...flags, `--screenshot=${screenshot}`, url]);
        return run(["chromium", ...flags, "--virtual-time-budget=5000", "--dump-dom", url]);
    } finally {
        fs.rmSync(profile, { recursive: true, force: true });
    }
}

/** A page's visible text: no scripts, styles or tags. */
export function visibleText(html: string): string {
    return html
        .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/g, " ")
        .replace(/<[^>]+>/g, " ")
        .replace(/&nbsp;/g, " ")
        .replace(/\s+/g, " ");
}

/** A container's working-set memory, in MiB, as the kubelet measures it. */
export function containerMemoryMiB(namespace: string, pod: string): number | undefined {
    const summary = JSON.parse(
        kubectl("get", "--raw", "/api/v1/nodes/psk-node/proxy/stats/summary"),
    ) as {
        pods: {
            podRef: { name: string; namespace: string };
            containers?: { memory?: { workingSetBytes?: number } }[];
        }[];
    };
    const found = summary.pods.find(
        (p) => p.podRef.name === pod && p.podRef.namespace === namespace,
    );
    const bytes = found?.containers?.[0]?.memory?.workingSetBytes;
    return bytes === undefined ? undefined : Math.round(bytes / (1024 * 1024));
}

/** Builds and pushes a job image with the package's own build script; its digest reference. */
export function buildJobImage(name: string, baseImage: string, jars: string): string {
    const env = {
        ...sourcedEnv("toolchain/env.sh", "local/images/env.sh"),
        DOCKER: "/usr/bin/docker",
        DOCKER_BUILDKIT: "0",
        DOCKER_BUILD_NETWORK: "host",
        IMAGE_NAME: `127.0.0.1:5000/${name}`,
        BUILD_CONTEXT: "app",
        DOCKERFILE: "app/Dockerfile",
        BASE_IMAGE: baseImage,
        SPARK_JARS: jars,
        PLATFORM: "linux/amd64",
        REGISTRY: "127.0.0.1:5000",
    };
    const started = Date.now();
    const out = run(["bash", path.join(REPO, "package", "scripts", "build-image.sh")], env);
    const ref = out.trim().split("\n").pop() ?? "";
    process.stderr.write(
        `[e2e] image ${name}: ${ref} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
    );
    return ref;
}
