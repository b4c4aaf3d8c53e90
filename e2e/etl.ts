/**
 * What the end-to-end scenario needs for the ETL job: the local object store keyed with
 * the stack's secrets, the generated dataset and its expected totals, an independent read
 * of the Parquet output (pyarrow), a scan of every process's arguments, and checkov over
 * the objects of a run.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { KUBECONFIG, Project, REPO, localStackFile, sourcedEnv } from "./harness";

/** The dataset the local stack's ETL job reads (see scripts/lib.sh, Pulumi.local.yaml). */
export const ETL_BUCKET = "psk-etl";
const INPUT_KEY = "input/sales.csv";
const OUTPUT_PREFIX = "output/by_region/";

/** What app/tests/etl_data.py says the job must produce. */
export interface EtlExpected {
    readonly result_line: string;
    readonly by_region: Record<string, { orders: number; units: number; revenue: string }>;
}

export interface S3Keys {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
}

function run(argv: string[], env: NodeJS.ProcessEnv = process.env): string {
    const out = spawnSync(argv[0], argv.slice(1), {
        cwd: REPO,
        env,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    if (out.status !== 0) {
        throw new Error(`${argv.slice(0, 3).join(" ")} failed (${out.status}):\n${out.stderr}`);
    }
    return out.stdout;
}

/** The local stack's ETL job, as its settings file has it. */
export function localEtlJob(): Record<string, unknown> {
    const jobs = localStackFile().config["pyspark-k8s:jobs"] as Record<
        string,
        Record<string, unknown>
    >;
    return jobs.etl;
}

/** The S3 keys the stack holds as secrets (secretEnv.etl). */
export function stackKeys(project: Project): S3Keys {
    const get = (name: string) => {
        const out = project.pulumi("config", "get", "--path", `pyspark-k8s:secretEnv.etl.${name}`);
        if (out.code !== 0) throw new Error(`config get ${name} failed:\n${out.output}`);
        return out.output.trim();
    };
    return {
        accessKeyId: get("AWS_ACCESS_KEY_ID"),
        secretAccessKey: get("AWS_SECRET_ACCESS_KEY"),
    };
}

/** Starts (or restarts) the object store with these keys, given in its environment. */
export function objectStoreUp(keys: S3Keys): void {
    run(["bash", "local/objectstore/objectstore.sh", "up"], {
        ...process.env,
        OBJECTSTORE_ACCESS_KEY_ID: keys.accessKeyId,
        OBJECTSTORE_SECRET_ACCESS_KEY: keys.secretAccessKey,
    });
}

/** Generates the dataset, uploads it as the job's input, and returns what the job must report. */
export function uploadDataset(rows: number, seed: number, bad: number): EtlExpected {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "psk-etl-data-"));
    try {
        run([
            "python3",
            "app/tests/etl_data.py",
            "--rows",
            String(rows),
            "--seed",
            String(seed),
            "--bad",
            String(bad),
            "--csv",
            path.join(dir, "sales.csv"),
            "--expected",
            path.join(dir, "expected.json"),
        ]);
        run([
            "bash",
            "local/objectstore/objectstore.sh",
            "put",
            ETL_BUCKET,
            INPUT_KEY,
            path.join(dir, "sales.csv"),
        ]);
        return JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8")) as EtlExpected;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The job's Parquet output, downloaded and read with pyarrow: the rows by region. */
export function readOutput(): EtlExpected["by_region"] {
    const store = (...args: string[]) => run(["bash", "local/objectstore/objectstore.sh", ...args]);
    const keys = store("list", ETL_BUCKET, OUTPUT_PREFIX)
        .split("\n")
        .filter((k) => k.endsWith(".parquet"));
    if (keys.length === 0)
        throw new Error(`no Parquet file under s3://${ETL_BUCKET}/${OUTPUT_PREFIX}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "psk-etl-out-"));
    try {
        keys.forEach((key, i) =>
            store("get", ETL_BUCKET, key, path.join(dir, `part-${i}.parquet`)),
        );
        const python = sourcedEnv("toolchain/env.sh");
        return JSON.parse(
            run(["python", "e2e/read_parquet.py", dir], python),
        ) as EtlExpected["by_region"];
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Every process's command line on this machine (container processes included). */
export function allCommandLines(): string[] {
    const lines: string[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const raw = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
            if (raw) lines.push(raw.split("\0").join(" "));
        } catch {
            // gone meanwhile
        }
    }
    return lines;
}

/** kubectl against the local cluster; throws with its stderr if it fails. */
export function kubectl(...args: string[]): string {
    return run(["bash", "local/cluster/cluster.sh", "kubectl", ...args]);
}

/** `kubectl get ... -o json` against the local cluster: the items (one object, if named). */
export function kubectlItems(...args: string[]): Record<string, unknown>[] {
    const out = kubectl("get", ...args, "-o", "json");
    const parsed = JSON.parse(out) as { kind: string; items?: Record<string, unknown>[] };
    return parsed.kind === "List" ? (parsed.items ?? []) : [parsed];
}

/** What the API server adds to an object: not part of what the program declared. */
function declared(object: Record<string, unknown>): Record<string, unknown> {
    const { status: _status, ...rest } = object;
    void _status;
    const metadata = { ...(object.metadata as Record<string, unknown>) };
    delete metadata.managedFields;
    return { ...rest, metadata };
}

/**
 * Runs scripts/checkov.sh over these objects (one YAML file each); returns its exit code
 * and output. Secrets are scanned without their data.
 */
export function checkov(objects: Record<string, unknown>[]): {
    code: number | null;
    output: string;
} {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "psk-checkov-"));
    try {
        objects.forEach((object, i) => {
            const o = declared(object);
            if (o.kind === "Secret") {
                delete o.data;
                delete o.stringData;
            }
            fs.writeFileSync(path.join(dir, `${i}-${String(o.kind)}.yaml`), yaml.dump(o));
        });
        const out = spawnSync("bash", ["scripts/checkov.sh", dir], {
            cwd: REPO,
            env: { ...process.env, KUBECONFIG },
            encoding: "utf8",
        });
        return { code: out.status, output: `${out.stdout}\n${out.stderr}` };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
