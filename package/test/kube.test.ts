/**
 * jobrun/kube.ts on the official client, against stand-in API servers on loopback:
 * kubeconfig contexts, exec-plugin credentials that expire, and a server that is not
 * there yet.
 */
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { KubeClient, loadKubeConfig } from "../src/runner/kube";
import { ApiUnreachable } from "../src/lib/retry";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-test-"));
    dirs.push(dir);
    return dir;
}

/** A kubeconfig with a token user (context `plain`) and an exec-plugin user (context `exec`). */
function kubeconfig(server: string, execScript = "/bin/false"): string {
    const file = path.join(tempDir(), "config");
    fs.writeFileSync(
        file,
        [
            "apiVersion: v1",
            "kind: Config",
            "current-context: plain",
            // Plain HTTP on loopback: the client only allows it with TLS verification off.
            `clusters: [{name: fake, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]`,
            "users:",
            "- {name: token, user: {token: static-token}}",
            "- name: plugin",
            "  user:",
            "    exec:",
            "      apiVersion: client.authentication.k8s.io/v1",
            `      command: ${process.execPath}`,
            `      args: ["${execScript}"]`,
            "      interactiveMode: Never",
            "contexts:",
            "- {name: plain, context: {cluster: fake, user: token}}",
            "- {name: exec, context: {cluster: fake, user: plugin}}",
        ].join("\n"),
    );
    return file;
}

/** An API server that answers pod lists and records the bearer tokens it was sent. */
async function fakeApi(): Promise<{ url: string; tokens: string[]; close(): Promise<void> }> {
    const tokens: string[] = [];
    const server = http.createServer((req, res) => {
        tokens.push(String(req.headers.authorization ?? "").replace(/^Bearer /, ""));
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(
            JSON.stringify({
                kind: "PodList",
                apiVersion: "v1",
                metadata: { resourceVersion: "7" },
                items: [],
            }),
        );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        tokens,
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}

describe("loadKubeConfig", () => {
    it("selects the current context, or a named one", () => {
        const file = kubeconfig("http://127.0.0.1:1");
        expect(loadKubeConfig(file).getCurrentUser()?.name).toBe("token");
        expect(loadKubeConfig(file, "exec").getCurrentUser()?.name).toBe("plugin");
    });

    it("says which context is missing and which exist", () => {
        const file = kubeconfig("http://127.0.0.1:1");
        expect(() => loadKubeConfig(file, "minikube")).toThrow(
            `kubeconfig ${file}: no context named 'minikube' (has: plain, exec)`,
        );
    });

    it("says which file it cannot read", () => {
        expect(() => loadKubeConfig("/nonexistent/kubeconfig")).toThrow(
            /^cannot read kubeconfig \/nonexistent\/kubeconfig: /,
        );
    });
});

describe("KubeClient", () => {
    it("runs an exec credential plugin again a minute before its token expires, and not earlier", async () => {
        const api = await fakeApi();
        const dir = tempDir();
        // Each run of the plugin hands out a new token, valid for 62 s (EKS tokens: 15 min):
        // the runner treats it as expiring 60 s early, so it asks again after 2 s.
        const script = path.join(dir, "plugin.js");
        fs.writeFileSync(
            script,
            [
                "const fs = require('fs');",
                `const counter = ${JSON.stringify(path.join(dir, "runs"))};`,
                "const n = (fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) : 0) + 1;",
                "fs.writeFileSync(counter, String(n));",
                "const expirationTimestamp = new Date(Date.now() + 62000).toISOString();",
                "console.log(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'token-' + n, expirationTimestamp } }));",
            ].join("\n"),
        );
        try {
            const kube = new KubeClient(loadKubeConfig(kubeconfig(api.url, script), "exec"));
            await kube.list("ns", "pods");
            await kube.list("ns", "pods");
            await new Promise((resolve) => setTimeout(resolve, 2500));
            await kube.list("ns", "pods");
            expect(api.tokens).toEqual(["token-1", "token-1", "token-2"]);
        } finally {
            await api.close();
        }
    });

    it("rides out an API server that is not listening yet", async () => {
        const api = await fakeApi();
        const port = Number(new URL(api.url).port);
        await api.close();
        const retried: string[] = [];
        const kube = new KubeClient(loadKubeConfig(kubeconfig(api.url)), {
            retryWindowMs: 20_000,
            onRetry: (what, error) => retried.push(`${what}: ${error}`),
        });
        // The server comes (back) on the same port after 1.5 s.
        const server = http.createServer((_req, res) => {
            res.writeHead(200, { "Content-Type": "application/json" });
            res.end(
                JSON.stringify({
                    kind: "PodList",
                    apiVersion: "v1",
                    metadata: { resourceVersion: "1" },
                    items: [],
                }),
            );
        });
        const later = setTimeout(() => server.listen(port, "127.0.0.1"), 1500);
        try {
            expect(await kube.list("ns", "pods")).toEqual([]);
            expect(retried.length).toBeGreaterThan(0);
            expect(retried[0]).toMatch(/^LIST pods in ns: ECONNREFUSED \(for 0 s\)$/);
        } finally {
            clearTimeout(later);
            await new Promise((resolve) => server.close(() => resolve(undefined)));
        }
    });

    it("gives up past its window, naming the server, for how long, and the last error", async () => {
        const api = await fakeApi();
        await api.close();
        const kube = new KubeClient(loadKubeConfig(kubeconfig(api.url)), { retryWindowMs: 1500 });
        const err = await kube.list("ns", "pods").catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ApiUnreachable);
        expect((err as Error).message).toMatch(
            new RegExp(
                `^LIST pods in ns at ${api.url}: no answer for [12] s \\(last error: .*ECONNREFUSED`,
            ),
        );
    });
});
