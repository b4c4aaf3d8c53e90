/**
 * A small Kubernetes REST client for the job runner: just the calls it needs, with
 * the credentials of a kubeconfig context (client certificates, bearer tokens,
 * token files or exec credential plugins).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { ClusterEndpoint, resolveEndpoint } from "../lib/kubeconfig";

/** Expands a leading `~` and falls back to $KUBECONFIG, then ~/.kube/config. */
export function kubeconfigPath(configured?: string): string {
    const chosen =
        configured ??
        process.env.KUBECONFIG?.split(path.delimiter)[0] ??
        path.join(os.homedir(), ".kube", "config");
    return chosen.startsWith("~") ? path.join(os.homedir(), chosen.slice(1)) : chosen;
}

/** Loads and resolves a kubeconfig context from disk. */
export function loadEndpoint(
    kubeconfig: string | undefined,
    context: string | undefined,
): ClusterEndpoint {
    const file = kubeconfigPath(kubeconfig);
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new Error(`cannot read kubeconfig ${file}: ${(err as Error).message}`);
    }
    const endpoint = resolveEndpoint(text, context, file);
    const dir = path.dirname(file);
    const abs = (p: string | undefined) =>
        p === undefined || path.isAbsolute(p) ? p : path.join(dir, p);
    return {
        ...endpoint,
        caFile: abs(endpoint.caFile),
        clientCertFile: abs(endpoint.clientCertFile),
        clientKeyFile: abs(endpoint.clientKeyFile),
        tokenFile: abs(endpoint.tokenFile),
    };
}

/** A failed API call: carries the HTTP status and the server's message. */
export class KubeError extends Error {
    constructor(
        readonly status: number,
        message: string,
    ) {
        super(message);
        this.name = "KubeError";
    }
}

interface Credentials {
    ca?: Buffer;
    cert?: Buffer;
    key?: Buffer;
    token?: string;
}

function credentials(endpoint: ClusterEndpoint): Credentials {
    const fromData = (data?: string) => (data ? Buffer.from(data, "base64") : undefined);
    const fromFile = (file?: string) => (file ? fs.readFileSync(file) : undefined);
    const creds: Credentials = {
        ca: fromData(endpoint.caData) ?? fromFile(endpoint.caFile),
        cert: fromData(endpoint.clientCertData) ?? fromFile(endpoint.clientCertFile),
        key: fromData(endpoint.clientKeyData) ?? fromFile(endpoint.clientKeyFile),
        token:
            endpoint.token ??
            (endpoint.tokenFile ? fs.readFileSync(endpoint.tokenFile, "utf8").trim() : undefined),
    };
    if (endpoint.exec && !creds.token && !creds.cert) {
        const out = execFileSync(endpoint.exec.command, [...endpoint.exec.args], {
            env: {
                ...process.env,
                ...endpoint.exec.env,
                KUBERNETES_EXEC_INFO: JSON.stringify({
                    apiVersion: endpoint.exec.apiVersion,
                    kind: "ExecCredential",
                    spec: { interactive: false },
                }),
            },
            encoding: "utf8",
            stdio: ["ignore", "pipe", "inherit"],
        });
        const status =
            (
                JSON.parse(out) as {
                    status?: {
                        token?: string;
                        clientCertificateData?: string;
                        clientKeyData?: string;
                    };
                }
            ).status ?? {};
        creds.token = status.token;
        if (status.clientCertificateData) creds.cert = Buffer.from(status.clientCertificateData);
        if (status.clientKeyData) creds.key = Buffer.from(status.clientKeyData);
    }
    return creds;
}

/** Minimal typed access to the core/v1 API of one namespace. */
export class KubeClient {
    private readonly base: URL;
    private readonly creds: Credentials;
    private readonly agent: http.Agent;

    constructor(private readonly endpoint: ClusterEndpoint) {
        this.base = new URL(endpoint.server);
        this.creds = credentials(endpoint);
        this.agent =
            this.base.protocol === "https:"
                ? new https.Agent({
                      ca: this.creds.ca,
                      cert: this.creds.cert,
                      key: this.creds.key,
                      rejectUnauthorized: !endpoint.insecureSkipTlsVerify,
                      keepAlive: true,
                  })
                : new http.Agent({ keepAlive: true });
    }

    /** Sends one request; resolves with the parsed JSON (or text) body. */
    async request(
        method: string,
        apiPath: string,
        query: Record<string, string | number | undefined> = {},
        body?: unknown,
    ): Promise<{ status: number; text: string }> {
        const url = new URL(apiPath, this.base);
        for (const [key, value] of Object.entries(query))
            if (value !== undefined) url.searchParams.set(key, String(value));
        const headers: Record<string, string> = { Accept: "application/json" };
        if (this.creds.token) headers.Authorization = `Bearer ${this.creds.token}`;
        const payload = body === undefined ? undefined : JSON.stringify(body);
        if (payload) {
            headers["Content-Type"] = "application/json";
            headers["Content-Length"] = String(Buffer.byteLength(payload));
        }
        const lib = url.protocol === "https:" ? https : http;
        return new Promise((resolve, reject) => {
            const req = lib.request(
                url,
                { method, headers, agent: this.agent, timeout: 30_000 },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (chunk: Buffer) => chunks.push(chunk));
                    res.on("end", () =>
                        resolve({
                            status: res.statusCode ?? 0,
                            text: Buffer.concat(chunks).toString("utf8"),
                        }),
                    );
                    res.on("error", reject);
                },
            );
            req.on("timeout", () =>
                req.destroy(
                    new Error(
                        `${method} ${url.pathname}: no answer from ${this.endpoint.server} within 30 s`,
                    ),
                ),
            );
            req.on("error", reject);
            req.end(payload);
        });
    }

    private async json<T>(
        method: string,
        apiPath: string,
        query: Record<string, string | number | undefined> = {},
        body?: unknown,
        allow404 = false,
    ): Promise<T | undefined> {
        const { status, text } = await this.request(method, apiPath, query, body);
        if (status === 404 && allow404) return undefined;
        if (status < 200 || status >= 300) {
            let message = text;
            try {
                message = (JSON.parse(text) as { message?: string }).message ?? text;
            } catch {
                /* not JSON */
            }
            throw new KubeError(status, `${method} ${apiPath} failed (${status}): ${message}`);
        }
        return text ? (JSON.parse(text) as T) : undefined;
    }

    /** GETs one object; undefined if it does not exist. */
    get<T>(namespace: string, resource: string, name: string): Promise<T | undefined> {
        return this.json<T>(
            "GET",
            `/api/v1/namespaces/${namespace}/${resource}/${name}`,
            {},
            undefined,
            true,
        );
    }

    /** Lists objects of a resource, optionally by label selector. */
    async list<T>(namespace: string, resource: string, labelSelector?: string): Promise<T[]> {
        const out = await this.json<{ items?: T[] }>(
            "GET",
            `/api/v1/namespaces/${namespace}/${resource}`,
            { labelSelector },
        );
        return out?.items ?? [];
    }

    /** The last lines of a container's log; empty if the pod or log is gone. */
    async podLog(
        namespace: string,
        pod: string,
        container: string | undefined,
        tailLines: number,
    ): Promise<string> {
        const { status, text } = await this.request(
            "GET",
            `/api/v1/namespaces/${namespace}/pods/${pod}/log`,
            { container, tailLines },
        );
        return status === 200 ? text : "";
    }

    /** Deletes one object (missing is fine); background propagation. */
    async delete(
        namespace: string,
        resource: string,
        name: string,
        gracePeriodSeconds?: number,
    ): Promise<void> {
        await this.json(
            "DELETE",
            `/api/v1/namespaces/${namespace}/${resource}/${name}`,
            {},
            {
                kind: "DeleteOptions",
                apiVersion: "v1",
                propagationPolicy: "Background",
                gracePeriodSeconds,
            },
            true,
        );
    }
}
