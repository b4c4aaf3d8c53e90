/**
 * The Kubernetes calls the job runner makes, on the official client
 * (`@kubernetes/client-node`): kubeconfig loading and every auth method it supports
 * (exec-plugin credentials are run again when they expire), watches, logs. Every call
 * rides out a blinking API server: transient errors are retried with backoff for a
 * bounded window (see lib/retry.ts).
 */
import * as k8s from "@kubernetes/client-node";
import * as os from "os";
import * as path from "path";
import { RetryClock, describeError, httpStatus, networkCode, withRetry } from "../lib/retry";
import { nodeScript } from "../nodeScript";

/** Expands a leading `~` and falls back to $KUBECONFIG, then ~/.kube/config. */
export function kubeconfigPath(configured?: string): string {
    const chosen =
        configured ??
        process.env.KUBECONFIG?.split(path.delimiter)[0] ??
        path.join(os.homedir(), ".kube", "config");
    return chosen.startsWith("~") ? path.join(os.homedir(), chosen.slice(1)) : chosen;
}

/** Loads a kubeconfig file and selects a context (default: its current one). */
export function loadKubeConfig(kubeconfig?: string, context?: string): k8s.KubeConfig {
    const file = kubeconfigPath(kubeconfig);
    const kc = new k8s.KubeConfig();
    try {
        kc.loadFromFile(file);
    } catch (err) {
        throw new Error(`cannot read kubeconfig ${file}: ${describeError(err)}`);
    }
    if (context !== undefined) {
        if (!kc.getContextObject(context)) {
            const has = kc.getContexts().map((c) => c.name);
            throw new Error(
                `kubeconfig ${file}: no context named '${context}' (has: ${has.join(", ")})`,
            );
        }
        kc.setCurrentContext(context);
    }
    if (!kc.getCurrentCluster())
        throw new Error(`kubeconfig ${file}: its context names no cluster`);
    return withEarlyRefresh(kc);
}

/**
 * The kubeconfig with every exec credential plugin run through runner/execEarly,
 * which makes its tokens expire a margin early: the client then runs the plugin again
 * before the real expiry, so a run longer than a token's life (EKS: 15 min) keeps working.
 */
export function withEarlyRefresh(kc: k8s.KubeConfig): k8s.KubeConfig {
    const users = kc.users.map((user) => {
        // client-node types a user's exec section loosely.
        const exec = user.exec as { command?: string; args?: string[] } | undefined;
        if (!exec?.command) return user;
        const [node, ...script] = nodeScript(__dirname, "execEarly");
        const args = [...script, exec.command, ...(exec.args ?? [])];
        return { ...user, exec: { ...exec, command: node, args } };
    });
    const early = new k8s.KubeConfig();
    early.loadFromOptions({
        clusters: kc.clusters,
        users,
        contexts: kc.contexts,
        currentContext: kc.getCurrentContext(),
    });
    return early;
}

/** The namespaced resources the runner reads, deletes and watches. */
export type Resource =
    "pods" | "services" | "configmaps" | "persistentvolumeclaims" | "jobs" | "cronjobs" | "events";

/** Calls of one resource on the typed APIs. */
interface ResourceCalls {
    read(name: string, namespace: string): Promise<unknown>;
    list(namespace: string, labelSelector?: string, fieldSelector?: string): Promise<unknown>;
    remove(name: string, namespace: string, body: k8s.V1DeleteOptions): Promise<unknown>;
    readonly apiPath: string;
}

function resourceCalls(kc: k8s.KubeConfig): Record<Resource, ResourceCalls> {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    return {
        pods: {
            apiPath: "/api/v1",
            read: (name, namespace) => core.readNamespacedPod({ name, namespace }),
            list: (namespace, labelSelector, fieldSelector) =>
                core.listNamespacedPod({ namespace, labelSelector, fieldSelector }),
            remove: (name, namespace, body) => core.deleteNamespacedPod({ name, namespace, body }),
        },
        services: {
            apiPath: "/api/v1",
            read: (name, namespace) => core.readNamespacedService({ name, namespace }),
            list: (namespace, labelSelector, fieldSelector) =>
                core.listNamespacedService({ namespace, labelSelector, fieldSelector }),
            remove: (name, namespace, body) =>
                core.deleteNamespacedService({ name, namespace, body }),
        },
        configmaps: {
            apiPath: "/api/v1",
            read: (name, namespace) => core.readNamespacedConfigMap({ name, namespace }),
            list: (namespace, labelSelector, fieldSelector) =>
                core.listNamespacedConfigMap({ namespace, labelSelector, fieldSelector }),
            remove: (name, namespace, body) =>
                core.deleteNamespacedConfigMap({ name, namespace, body }),
        },
        persistentvolumeclaims: {
            apiPath: "/api/v1",
            read: (name, namespace) =>
                core.readNamespacedPersistentVolumeClaim({ name, namespace }),
            list: (namespace, labelSelector, fieldSelector) =>
                core.listNamespacedPersistentVolumeClaim({
                    namespace,
                    labelSelector,
                    fieldSelector,
                }),
            remove: (name, namespace, body) =>
                core.deleteNamespacedPersistentVolumeClaim({ name, namespace, body }),
        },
        jobs: {
            apiPath: "/apis/batch/v1",
            read: (name, namespace) => batch.readNamespacedJob({ name, namespace }),
            list: (namespace, labelSelector, fieldSelector) =>
                batch.listNamespacedJob({ namespace, labelSelector, fieldSelector }),
            remove: (name, namespace, body) => batch.deleteNamespacedJob({ name, namespace, body }),
        },
        events: {
            apiPath: "/api/v1",
            read: (name, namespace) => core.readNamespacedEvent({ name, namespace }),
            list: (namespace, labelSelector, fieldSelector) =>
                core.listNamespacedEvent({ namespace, labelSelector, fieldSelector }),
            remove: (name, namespace, body) =>
                core.deleteNamespacedEvent({ name, namespace, body }),
        },
        cronjobs: {
            apiPath: "/apis/batch/v1",
            read: (name, namespace) => batch.readNamespacedCronJob({ name, namespace }),
            list: (namespace, labelSelector, fieldSelector) =>
                batch.listNamespacedCronJob({ namespace, labelSelector, fieldSelector }),
            remove: (name, namespace, body) =>
                batch.deleteNamespacedCronJob({ name, namespace, body }),
        },
    };
}

/** A list and the resource version to watch it from. */
export interface Listed<T> {
    readonly items: T[];
    readonly resourceVersion: string;
}

/** What to watch: a resource of a namespace, by label or field selector. */
export interface WatchTarget {
    readonly resource: Resource;
    readonly namespace: string;
    readonly labelSelector?: string;
    readonly fieldSelector?: string;
    readonly resourceVersion: string;
}

/** A request that has not answered within `ms`: rejected as a timeout (retried as one). */
function withTimeout<T>(request: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
            () =>
                reject(
                    Object.assign(new Error(`no answer within ${ms / 1000} s`), {
                        code: "ETIMEDOUT",
                    }),
                ),
            ms,
        );
    });
    return Promise.race([request, timeout]).finally(() => clearTimeout(timer));
}

/** Options of a {@link KubeClient}. */
export interface KubeClientOptions {
    /** How long one request may take before it counts as a (transient) timeout; default 30 s. */
    readonly requestTimeoutMs?: number;
    /** How long transient API errors are retried before a call fails; default 120 s. */
    readonly retryWindowMs?: number;
    /** Told about each retried failure. */
    readonly onRetry?: (what: string, error: string) => void;
    readonly clock?: RetryClock;
}

const realClock: RetryClock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Namespaced reads, lists, deletes, logs and watches, each retried through transient
 * API errors. Objects come back as the client deserializes them (timestamps as Dates).
 */
export class KubeClient {
    /** The API server's URL. */
    readonly server: string;
    private readonly calls: Record<Resource, ResourceCalls>;
    private readonly core: k8s.CoreV1Api;
    private readonly retryWindowMs: number;

    constructor(
        readonly kc: k8s.KubeConfig,
        private readonly options: KubeClientOptions = {},
    ) {
        this.server = kc.getCurrentCluster()?.server ?? "(unknown server)";
        this.calls = resourceCalls(kc);
        this.core = kc.makeApiClient(k8s.CoreV1Api);
        this.retryWindowMs = options.retryWindowMs ?? 120_000;
    }

    private retry<T>(what: string, call: () => Promise<T>): Promise<T> {
        const timeoutMs = this.options.requestTimeoutMs ?? 30_000;
        return withRetry(
            `${what} at ${this.server}`,
            () => withTimeout(call(), timeoutMs),
            {
                windowMs: this.retryWindowMs,
                onRetry: (err, _attempt, elapsedMs) =>
                    this.options.onRetry?.(
                        what,
                        `${networkCode(err) ?? describeError(err)} (for ${Math.round(elapsedMs / 1000)} s)`,
                    ),
            },
            this.options.clock ?? realClock,
        );
    }

    /** One object; undefined if it does not exist. */
    async get<T>(namespace: string, resource: Resource, name: string): Promise<T | undefined> {
        try {
            return (await this.retry(`GET ${resource} ${namespace}/${name}`, () =>
                this.calls[resource].read(name, namespace),
            )) as T;
        } catch (err) {
            if (httpStatus(err) === 404) return undefined;
            throw err;
        }
    }

    /** Objects of a resource, by label and field selector, with the list's resource version. */
    async listVersioned<T>(
        namespace: string,
        resource: Resource,
        labelSelector?: string,
        fieldSelector?: string,
    ): Promise<Listed<T>> {
        const list = (await this.retry(`LIST ${resource} in ${namespace}`, () =>
            this.calls[resource].list(namespace, labelSelector, fieldSelector),
        )) as { items: T[]; metadata?: { resourceVersion?: string } };
        return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? "" };
    }

    /** Objects of a resource, optionally by label selector. */
    async list<T>(namespace: string, resource: Resource, labelSelector?: string): Promise<T[]> {
        return (await this.listVersioned<T>(namespace, resource, labelSelector)).items;
    }

    /** The last lines of a container's log; empty if the pod or its log is gone. */
    async podLog(
        namespace: string,
        pod: string,
        container: string | undefined,
        tailLines: number,
    ): Promise<string> {
        try {
            return await this.retry(`GET log of ${namespace}/${pod}`, () =>
                this.core.readNamespacedPodLog({ name: pod, namespace, container, tailLines }),
            );
        } catch (err) {
            const status = httpStatus(err);
            if (status === 404 || status === 400) return "";
            throw err;
        }
    }

    /** Deletes one object (missing is fine), its dependents in the background. */
    async delete(
        namespace: string,
        resource: Resource,
        name: string,
        gracePeriodSeconds?: number,
    ): Promise<void> {
        try {
            await this.retry(`DELETE ${resource} ${namespace}/${name}`, () =>
                this.calls[resource].remove(name, namespace, {
                    propagationPolicy: "Background",
                    gracePeriodSeconds,
                }),
            );
        } catch (err) {
            if (httpStatus(err) !== 404) throw err;
        }
    }

    /**
     * Resolves when any of the targets changes after its resource version, when
     * `timeoutMs` has passed, or when a watch ends or fails (the caller lists again,
     * which is where errors are retried). Watches, not polls: it returns at once on news.
     */
    async waitForChange(targets: readonly WatchTarget[], timeoutMs: number): Promise<void> {
        const watch = new k8s.Watch(this.kc);
        const controllers: AbortController[] = [];
        await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, timeoutMs);
            const done = () => {
                clearTimeout(timer);
                resolve();
            };
            for (const t of targets) {
                const apiPath = `${this.calls[t.resource].apiPath}/namespaces/${t.namespace}/${t.resource}`;
                const query = {
                    labelSelector: t.labelSelector,
                    fieldSelector: t.fieldSelector,
                    resourceVersion: t.resourceVersion || undefined,
                    allowWatchBookmarks: false,
                };
                watch
                    .watch(apiPath, query, (phase) => phase !== "BOOKMARK" && done(), done)
                    .then((controller) => controllers.push(controller), done);
            }
        });
        // A watch that failed to start may still be connecting: give it a moment, then abort all.
        for (const controller of controllers) controller.abort();
    }
}
