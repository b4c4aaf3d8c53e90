/**
 * The package from outside the repository, as a team with a Pulumi program of its own
 * would use it: `npm pack` gives the tarball; a TypeScript program in a directory of its
 * own installs it with npm, and a Pulumi YAML program adds it with `pulumi package add`.
 * Each runs a job on the local cluster with an image that exists already, shows the run's
 * progress live, exports the result line, and fails clearly for a failing job.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    CliRun,
    KUBECONFIG,
    REPO,
    adminClient,
    list,
    pollUntil,
    registryImage,
    sourcedEnv,
} from "./harness";

/** A program outside the repository, with its own file backend and temp dir. */
class OutsideProgram {
    readonly env: NodeJS.ProcessEnv;
    constructor(
        readonly root: string,
        readonly dir: string,
    ) {
        fs.mkdirSync(path.join(root, "backend"), { recursive: true });
        fs.mkdirSync(path.join(root, "tmp"), { recursive: true });
        this.env = {
            ...sourcedEnv("toolchain/env.sh"),
            PULUMI_BACKEND_URL: `file://${path.join(root, "backend")}`,
            TMPDIR: path.join(root, "tmp"),
        };
    }

    run(argv: string[]): CliRun {
        const started = Date.now();
        const out = spawnSync(argv[0], argv.slice(1), {
            cwd: this.dir,
            env: this.env,
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
            timeout: 15 * 60 * 1000,
        });
        return {
            code: out.status,
            output: `${out.stdout}\n${out.stderr}`,
            seconds: (Date.now() - started) / 1000,
        };
    }

    /** The CLI's own flags go before a `--`, which ends them (values such as `-1` follow it). */
    pulumi(...args: string[]): CliRun {
        const end = args.includes("--") ? args.indexOf("--") : args.length;
        const flags = ["--non-interactive", "--color", "never"];
        return this.run(["pulumi", ...args.slice(0, end), ...flags, ...args.slice(end)]);
    }

    must(run: CliRun, what: string): CliRun {
        if (run.code !== 0) throw new Error(`${what} failed (${run.code}):\n${run.output}`);
        return run;
    }

    /** A stack `e2e` with the local cluster, a namespace and the image to run. */
    initStack(namespace: string, image: string): void {
        this.must(this.pulumi("stack", "init", "e2e"), "stack init");
        for (const [key, value] of Object.entries({
            kubeconfig: KUBECONFIG,
            context: "psk-local",
            namespace,
            image,
        }))
            this.must(this.pulumi("config", "set", key, "--", value), `config set ${key}`);
    }
}

const kube = adminClient();
let work: string;
let tarball: string;
/** The Spark base image, which carries Apache's examples; pinned by digest. */
let image: string;

beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "psk-consumers-"));
    expect(path.relative(REPO, work).startsWith("..")).toBe(true);
    const env = sourcedEnv("toolchain/env.sh");
    const pack = spawnSync("npm", ["pack", "--pack-destination", work, "--json"], {
        cwd: path.join(REPO, "package"),
        env,
        encoding: "utf8",
    });
    if (pack.status !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
    tarball = path.join(work, (JSON.parse(pack.stdout) as { filename: string }[])[0].filename);
    image = registryImage("spark-py", "3.5.7");
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const podsLeft = (namespace: string) =>
    pollUntil(
        async () =>
            (await list(kube, namespace, "pods")).filter(
                (p) => p.status?.phase === "Running" || p.status?.phase === "Pending",
            ),
        (l) => l.length === 0,
        90_000,
    );

describe("a TypeScript program of its own, with the packed tarball installed by npm", () => {
    let program: OutsideProgram;
    beforeAll(() => {
        const root = path.join(work, "typescript");
        const dir = path.join(root, "program");
        fs.mkdirSync(dir, { recursive: true });
        for (const file of ["Pulumi.yaml", "index.ts", "tsconfig.json"])
            fs.copyFileSync(
                path.join(REPO, "e2e", "consumers", "typescript", file),
                path.join(dir, file),
            );
        fs.writeFileSync(
            path.join(dir, "package.json"),
            JSON.stringify(
                {
                    name: "psk-consumer-ts",
                    private: true,
                    devDependencies: {
                        typescript: "5.9.3",
                        "ts-node": "10.9.2",
                        "@types/node": "22.20.7",
                    },
                },
                null,
                2,
            ),
        );
        program = new OutsideProgram(root, dir);
        program.must(
            program.run([
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                tarball,
                "@pulumi/pulumi@3.276.0",
                "@pulumi/kubernetes@4.25.0",
            ]),
            "npm install of the tarball",
        );
        expect(
            fs.realpathSync(path.join(dir, "node_modules", "@pyspark-k8s", "pulumi")),
        ).not.toContain(REPO);
        program.initStack("e2e-consumer-ts", image);
    });
    afterAll(() => program?.pulumi("destroy", "--yes", "--skip-preview"));

    it("runs the job on the local cluster, shows its progress live and exports the result line", () => {
        const up = program.must(program.pulumi("up", "--yes", "--skip-preview"), "pulumi up");
        expect(up.output).toMatch(
            /\[jobrun\] attempt 1, driver pod pi-[a-z0-9]+-[a-z0-9]+: running/,
        );
        expect(up.output).toMatch(/\[jobrun\] job pi: succeeded in [0-9.]+s: Pi is roughly 3\.1/);
        const outputs = JSON.parse(
            program.must(program.pulumi("stack", "output", "--json"), "stack output").output,
        ) as {
            result: string;
        };
        expect(outputs.result).toMatch(/^Pi is roughly 3\.1/);
    });

    it("fails pulumi up clearly for a failing job", async () => {
        program.must(program.pulumi("config", "set", "partitions", "--", "-1"), "config set");
        const up = program.pulumi("up", "--yes", "--skip-preview");
        expect(up.code).not.toBe(0);
        expect(up.output).toMatch(
            /job pi: run e2e-consumer-ts\/pi-[a-z0-9]+ failed: application failure: exit code 1/,
        );
        expect(up.output).not.toMatch(/\n\s+at .*\.js:\d+/);
        expect(await podsLeft("e2e-consumer-ts")).toEqual([]);
    });
});

describe("a Pulumi YAML program, with the package added by pulumi package add", () => {
    let program: OutsideProgram;
    beforeAll(() => {
        const root = path.join(work, "yaml");
        const dir = path.join(root, "program");
        const plugin = path.join(root, "plugin");
        fs.mkdirSync(dir, { recursive: true });
        fs.mkdirSync(plugin, { recursive: true });
        fs.copyFileSync(
            path.join(REPO, "e2e", "consumers", "yaml", "Pulumi.yaml"),
            path.join(dir, "Pulumi.yaml"),
        );
        program = new OutsideProgram(root, dir);
        program.must(program.run(["tar", "-xzf", tarball, "-C", plugin]), "unpacking the tarball");
        const added = program.must(
            program.pulumi("package", "add", path.join(plugin, "package")),
            "pulumi package add",
        );
        expect(added.output).not.toMatch(/error/i);
        expect(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).toMatch(
            /packages:\s*\n\s+pyspark-k8s:/,
        );
        program.initStack("e2e-consumer-yaml", image);
    });
    afterAll(() => program?.pulumi("destroy", "--yes", "--skip-preview"));

    it("runs the job on the local cluster through the package's plugin, with live progress and the result", () => {
        const up = program.must(program.pulumi("up", "--yes", "--skip-preview"), "pulumi up");
        expect(up.output).toMatch(/pyspark-k8s:run:RunResult/);
        expect(up.output).toMatch(/\[jobrun\] job pi: succeeded in [0-9.]+s: Pi is roughly 3\.1/);
        const outputs = JSON.parse(
            program.must(program.pulumi("stack", "output", "--json"), "stack output").output,
        ) as {
            result: string;
        };
        expect(outputs.result).toMatch(/^Pi is roughly 3\.1/);
    });

    it("fails pulumi up clearly for a failing job", async () => {
        program.must(program.pulumi("config", "set", "partitions", "--", "-1"), "config set");
        const up = program.pulumi("up", "--yes", "--skip-preview");
        expect(up.code).not.toBe(0);
        expect(up.output).toMatch(
            /job pi: run e2e-consumer-yaml\/pi-[a-z0-9]+ failed: application failure: exit code 1/,
        );
        expect(await podsLeft("e2e-consumer-yaml")).toEqual([]);
    });

    it("refuses invalid arguments before it creates anything, naming the argument", () => {
        program.must(program.pulumi("config", "set", "partitions", "--", "2"), "config set");
        const broken = fs
            .readFileSync(path.join(program.dir, "Pulumi.yaml"), "utf8")
            .replace("instances: 1", "instances: 0");
        fs.writeFileSync(path.join(program.dir, "Pulumi.yaml"), broken);
        const up = program.pulumi("up", "--yes", "--skip-preview");
        expect(up.code).not.toBe(0);
        expect(up.output).toMatch(
            /SparkJob 'pi': 1 invalid argument, nothing was created:\s+- executor\.instances: must be at least 1 \(got 0\)/,
        );
    });
});
