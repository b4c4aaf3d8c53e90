/**
 * The job runner as a process, the way the JobRun dynamic resource runs it: a stand-in
 * spark-submit and a stand-in API server on loopback, reached through a kubeconfig
 * with a bearer token.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import type { JobRunSpec } from "../lib/jobSpec";
import { piSpec } from "./fixtures/specs";

const ROOT = path.join(__dirname, "..");
const TOKEN = "test-token-123";

interface FakePod {
    metadata: { name: string; uid: string; labels: Record<string, string> };
    status?: unknown;
    gets: number;
}

/** A fake API server: pods whose driver fails or succeeds after a few polls. */
class FakeApi {
    pods = new Map<string, FakePod>();
    services = new Map<
        string,
        { metadata: { name: string; ownerReferences: { uid: string }[] } }
    >();
    unauthorized = 0;
    server: http.Server;
    url = "";

    constructor(private readonly outcome: { exitCode: number; reason: string; log: string }) {
        this.server = http.createServer((req, res) => this.handle(req, res));
    }

    async start(): Promise<void> {
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    stop(): Promise<void> {
        return new Promise((resolve) => this.server.close(() => resolve()));
    }

    private status(pod: FakePod): unknown {
        if (pod.gets < 2)
            return { phase: "Pending", conditions: [{ type: "PodScheduled", status: "True" }] };
        if (pod.gets < 4)
            return {
                phase: "Running",
                containerStatuses: [{ name: "spark-kubernetes-driver", state: { running: {} } }],
            };
        return {
            phase: this.outcome.exitCode === 0 ? "Succeeded" : "Failed",
            containerStatuses: [
                {
                    name: "spark-kubernetes-driver",
                    state: {
                        terminated: {
                            exitCode: this.outcome.exitCode,
                            reason: this.outcome.reason,
                        },
                    },
                },
            ],
        };
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        const url = new URL(req.url ?? "/", this.url);
        const send = (code: number, body: unknown) => {
            res.writeHead(code, {
                "Content-Type": typeof body === "string" ? "text/plain" : "application/json",
            });
            res.end(typeof body === "string" ? body : JSON.stringify(body));
        };
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
            const parts = url.pathname.split("/").filter(Boolean); // api v1 namespaces ns kind [name] [log]
            const [, , , , kind, name, sub] = parts;
            if (req.method === "POST" && kind === "pods") {
                const pod = JSON.parse(body) as FakePod;
                pod.metadata.uid = `uid-${pod.metadata.name}`;
                pod.gets = 0;
                this.pods.set(pod.metadata.name, pod);
                this.services.set(`${pod.metadata.name}-svc`, {
                    metadata: {
                        name: `${pod.metadata.name}-svc`,
                        ownerReferences: [{ uid: pod.metadata.uid }],
                    },
                });
                return send(201, pod);
            }
            // Only the runner authenticates; spark-submit's stand-in posts without a token.
            if (req.headers.authorization !== `Bearer ${TOKEN}`) {
                this.unauthorized++;
                return send(401, { message: "Unauthorized" });
            }
            const store =
                kind === "pods"
                    ? this.pods
                    : kind === "services"
                      ? this.services
                      : new Map<string, unknown>();
            if (req.method === "GET" && name && sub === "log") return send(200, this.outcome.log);
            if (req.method === "GET" && name) {
                const pod = this.pods.get(name);
                if (!pod) return send(404, { message: `pods "${name}" not found` });
                pod.gets++;
                return send(200, { metadata: pod.metadata, status: this.status(pod) });
            }
            if (req.method === "GET") {
                const selector = (url.searchParams.get("labelSelector") ?? "")
                    .split(",")
                    .filter(Boolean)
                    .map((kv) => kv.split("="));
                const items = [...store.values()].filter((o) =>
                    selector.every(
                        ([k, v]) =>
                            ((o as FakePod).metadata as { labels?: Record<string, string> })
                                .labels?.[k] === v,
                    ),
                );
                return send(200, { items });
            }
            if (req.method === "DELETE" && name) {
                store.delete(name);
                return send(200, {});
            }
            return send(404, { message: "no route" });
        });
    }
}

const kubeconfigDirs: string[] = [];
afterAll(() => kubeconfigDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function kubeconfig(server: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kc-"));
    kubeconfigDirs.push(dir);
    const file = path.join(dir, "config");
    fs.writeFileSync(
        file,
        [
            "apiVersion: v1",
            "kind: Config",
            "current-context: fake",
            // Plain HTTP on loopback: the client only allows it with TLS verification off.
            'clusters: [{name: fake, cluster: {server: "' +
                server +
                '", insecure-skip-tls-verify: true}}]',
            "users: [{name: me, user: {token: " + TOKEN + "}}]",
            "contexts: [{name: fake, context: {cluster: fake, user: me}}]",
        ].join("\n"),
    );
    return file;
}

function spec(kubeconfigFile: string): JobRunSpec {
    return piSpec(
        {
            args: ["2"],
            resultPattern: "Pi is roughly [0-9.]+",
            startTimeoutSeconds: 20,
            runTimeoutSeconds: 60,
        },
        { cluster: { kubeconfig: kubeconfigFile } },
    );
}

function runCli(
    mode: string,
    env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "jobrun/cli.ts", mode],
            {
                cwd: ROOT,
                env: {
                    ...process.env,
                    SPARK_SUBMIT: path.join(__dirname, "fixtures", "fake-spark-submit.js"),
                    JOB_RUN_POLL_MS: "50",
                    ...env,
                },
            },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

describe("jobrun/cli.ts", () => {
    let api: FakeApi;
    afterEach(() => api.stop());

    it("run: prints the outcome as JSON when the driver succeeds", async () => {
        api = new FakeApi({
            exitCode: 0,
            reason: "Completed",
            log: "INFO x\nPi is roughly 3.14159\n",
        });
        await api.start();
        const kc = kubeconfig(api.url);
        const out = await runCli("run", {
            JOB_RUN_SPEC: JSON.stringify(spec(kc)),
            FAKE_API_URL: api.url,
        });
        expect(out.stderr).toContain("[jobrun] submitting pi as driver pod spark/pi-");
        expect(out.code).toBe(0);
        const outcome = JSON.parse(out.stdout.trim().split("\n").pop() ?? "");
        expect(outcome).toMatchObject({
            namespace: "spark",
            exitCode: 0,
            result: "Pi is roughly 3.14159",
        });
        expect(outcome.driverPod).toMatch(/^pi-[a-z0-9]{1,10}-driver$/);
        expect(api.pods.has(outcome.driverPod)).toBe(true);
        expect(api.unauthorized).toBe(0);
        // spark-submit got the kubeconfig and the per-run names.
        const args = (api.pods.get(outcome.driverPod) as unknown as { args: string[] }).args;
        expect(args).toEqual(
            expect.arrayContaining([
                "--master",
                api.url.replace("http://", "k8s://http://"),
                `spark.kubernetes.driver.pod.name=${outcome.driverPod}`,
            ]),
        );
    });

    it("run: exits 1 with the driver's exit code and Python error when the driver failed but spark-submit exited 0", async () => {
        api = new FakeApi({
            exitCode: 1,
            reason: "Error",
            log: 'Traceback (most recent call last):\n  File "pi.py"\nValueError: boom\n',
        });
        await api.start();
        const out = await runCli("run", {
            JOB_RUN_SPEC: JSON.stringify(spec(kubeconfig(api.url))),
            FAKE_API_URL: api.url,
            FAKE_SUBMIT_EXIT: "0",
        });
        expect(out.code).toBe(1);
        expect(out.stderr).toMatch(
            /driver pod spark\/pi-[a-z0-9]+-driver failed with exit code 1 \(Error\)/,
        );
        expect(out.stderr).toContain("python error: ValueError: boom");
        expect(out.stdout).toBe("");
        expect(api.pods.size).toBe(0);
        expect(api.services.size).toBe(0);
    });

    it("run: reports spark-submit's refusal", async () => {
        api = new FakeApi({ exitCode: 0, reason: "Completed", log: "" });
        await api.start();
        const out = await runCli("run", {
            JOB_RUN_SPEC: JSON.stringify(spec(kubeconfig(api.url))),
            FAKE_API_URL: api.url,
            FAKE_SUBMIT_REFUSE: 'serviceaccount "spark-driver" not found',
        });
        expect(out.code).toBe(1);
        expect(out.stderr).toMatch(
            /spark-submit exited with code 1 before the driver pod existed:\nserviceaccount "spark-driver" not found/,
        );
    });

    it("delete: removes the job's pods and the services they own", async () => {
        api = new FakeApi({ exitCode: 0, reason: "Completed", log: "Pi is roughly 3.1\n" });
        await api.start();
        const env = {
            JOB_RUN_SPEC: JSON.stringify(spec(kubeconfig(api.url))),
            FAKE_API_URL: api.url,
        };
        expect((await runCli("run", env)).code).toBe(0);
        expect(api.pods.size).toBe(1);
        const out = await runCli("delete", env);
        expect(out.code).toBe(0);
        expect(out.stderr).toContain(
            "[jobrun] job pi: removed 1 pods, 1 services, 0 configmaps, 0 persistentvolumeclaims",
        );
        expect(api.pods.size).toBe(0);
        expect(api.services.size).toBe(0);
    });

    it("refuses to run without a spec", async () => {
        api = new FakeApi({ exitCode: 0, reason: "Completed", log: "" });
        await api.start();
        const out = await runCli("run", { JOB_RUN_SPEC: "" });
        expect(out.code).toBe(1);
        expect(out.stderr).toContain("JOB_RUN_SPEC is not set");
    });
});
