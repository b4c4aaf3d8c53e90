/**
 * Reading a kubeconfig: which server, credentials and namespace a context means.
 * Pure: file contents in, resolved settings out (paths stay paths; the caller reads them).
 */
import * as yaml from "js-yaml";

/** How to reach and authenticate to one cluster. */
export interface ClusterEndpoint {
    readonly contextName: string;
    /** API server URL, e.g. `https://127.0.0.1:6443`. */
    readonly server: string;
    readonly caData?: string;
    readonly caFile?: string;
    readonly insecureSkipTlsVerify: boolean;
    readonly clientCertData?: string;
    readonly clientCertFile?: string;
    readonly clientKeyData?: string;
    readonly clientKeyFile?: string;
    readonly token?: string;
    readonly tokenFile?: string;
    readonly exec?: ExecCredentialCommand;
}

/** A client-go credential plugin (`users[].user.exec`). */
export interface ExecCredentialCommand {
    readonly command: string;
    readonly args: readonly string[];
    readonly env: Readonly<Record<string, string>>;
    readonly apiVersion: string;
}

interface Named<T> {
    name: string;
    [key: string]: unknown;
    value?: T;
}

type Doc = Record<string, unknown>;

function section(doc: Doc, list: string, item: string, name: string, where: string): Doc {
    const entries = (doc[list] ?? []) as Named<unknown>[];
    const entry = Array.isArray(entries) ? entries.find((e) => e && e.name === name) : undefined;
    if (!entry || typeof entry[item] !== "object" || entry[item] === null) {
        const names = Array.isArray(entries) ? entries.map((e) => e?.name).filter(Boolean) : [];
        throw new Error(
            `kubeconfig ${where}: no ${item} named '${name}' (has: ${names.join(", ") || "none"})`,
        );
    }
    return entry[item] as Doc;
}

function str(doc: Doc, key: string): string | undefined {
    const value = doc[key];
    return typeof value === "string" && value.length > 0 ? value : undefined;
}

/**
 * Resolves a context of a kubeconfig to its endpoint and credentials.
 *
 * @param text kubeconfig YAML.
 * @param context context name; default the file's current-context.
 * @param where where the text came from, for error messages.
 */
export function resolveEndpoint(
    text: string,
    context: string | undefined,
    where = "(inline)",
): ClusterEndpoint {
    const doc = yaml.load(text) as Doc | undefined;
    if (!doc || typeof doc !== "object") throw new Error(`kubeconfig ${where}: not a YAML mapping`);
    const contextName = context ?? str(doc, "current-context");
    if (!contextName)
        throw new Error(`kubeconfig ${where}: no context given and no current-context set`);
    const ctx = section(doc, "contexts", "context", contextName, where);
    const clusterName = str(ctx, "cluster") ?? "";
    const userName = str(ctx, "user");
    const cluster = section(doc, "clusters", "cluster", clusterName, where);
    const user = userName ? section(doc, "users", "user", userName, where) : {};
    const server = str(cluster, "server");
    if (!server) throw new Error(`kubeconfig ${where}: cluster '${clusterName}' has no server`);
    const exec = user.exec as Doc | undefined;
    return {
        contextName,
        server,
        caData: str(cluster, "certificate-authority-data"),
        caFile: str(cluster, "certificate-authority"),
        insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
        clientCertData: str(user, "client-certificate-data"),
        clientCertFile: str(user, "client-certificate"),
        clientKeyData: str(user, "client-key-data"),
        clientKeyFile: str(user, "client-key"),
        token: str(user, "token"),
        tokenFile: str(user, "tokenFile"),
        exec:
            exec && typeof exec.command === "string"
                ? {
                      command: exec.command,
                      args: Array.isArray(exec.args) ? exec.args.map(String) : [],
                      env: Object.fromEntries(
                          ((exec.env ?? []) as { name: string; value: string }[]).map((e) => [
                              e.name,
                              e.value,
                          ]),
                      ),
                      apiVersion: str(exec, "apiVersion") ?? "client.authentication.k8s.io/v1",
                  }
                : undefined,
    };
}

/**
 * The Spark master URL for an API server URL: `k8s://` plus the URL with an explicit
 * port (Spark needs one; https defaults to 443).
 */
export function sparkMaster(server: string): string {
    let url: URL;
    try {
        url = new URL(server);
    } catch {
        throw new Error(`API server URL '${server}' is not a URL`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
        throw new Error(`API server URL '${server}' must be http(s)`);
    }
    const port = url.port || (url.protocol === "https:" ? "443" : "80");
    return `k8s://${url.protocol}//${url.hostname}:${port}`;
}
