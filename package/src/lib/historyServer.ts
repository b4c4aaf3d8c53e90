/**
 * The Spark History Server as Kubernetes objects: its properties file, its Deployment's
 * pod (the job image, Pod Security `restricted`, probes that make `pulumi up` wait until
 * it has read its event-log directory) and its Service. Pure.
 */
import { createHash } from "crypto";
import { containerSecurityContext, podSecurityContext } from "./podTemplate";
import { CREDENTIAL_KEYS, ObjectStore, dirParts, s3aBucketConf } from "./observability";

/** The port of the History Server's UI and REST API. */
export const HISTORY_PORT = 18080;
const CONF_DIR = "/etc/psk-history";
const CONF_FILE = "history.conf";
const CONTAINER = "spark-history";

/** The server's variables that carry its keys (from its Secret, by reference). */
export const HISTORY_ENV = {
    accessKeyId: "PSK_HISTORY_ACCESS_KEY_ID",
    secretAccessKey: "PSK_HISTORY_SECRET_ACCESS_KEY",
} as const;

/** What the History Server's objects are made from: its validated arguments, placed. */
export interface HistoryServerSpec {
    readonly name: string;
    readonly namespace: string;
    readonly image: string;
    readonly logDirectory: string;
    readonly store: ObjectStore;
    /** The Secret of its keys, if it has keys. */
    readonly secret?: string;
    readonly credentialsProvider?: string;
    readonly memory: string;
    readonly coreRequest: string;
    readonly coreLimit: string;
    readonly updateIntervalSeconds: number;
    readonly runAsUser: number;
    readonly labels: Record<string, string>;
}

/** Labels selecting the server's pods. */
export function historySelector(name: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": "spark-history-server",
        "app.kubernetes.io/instance": name,
    };
}

/** The server's Spark properties: where the event logs are, and how to read them. */
export function historyProperties(spec: HistoryServerSpec): string {
    const entries: [string, string][] = [
        ["spark.history.fs.logDirectory", spec.logDirectory],
        ["spark.history.ui.port", String(HISTORY_PORT)],
        ["spark.history.fs.update.interval", `${spec.updateIntervalSeconds}s`],
        // Event logs are kept (or not) by the store's own lifecycle rules.
        ["spark.history.fs.cleaner.enabled", "false"],
    ];
    const { scheme, bucket } = dirParts(spec.logDirectory);
    if (scheme === "s3a")
        entries.push(
            ...s3aBucketConf(bucket, spec.store, {
                provider: spec.credentialsProvider,
                ...(spec.secret !== undefined ? { env: HISTORY_ENV } : {}),
            }),
        );
    return `${entries.map(([key, value]) => `${key}=${value}`).join("\n")}\n`;
}

/**
 * bash around the server: it runs in the foreground, stops on SIGTERM, and when it exits
 * with an error (it does when it cannot read its directory) it leaves the reason as the
 * container's termination message, which `kubectl describe` and `pulumi up` show.
 */
export const HISTORY_SCRIPT = [
    "log=/tmp/history-server.log",
    '"${SPARK_HOME:-/opt/spark}/bin/spark-class" org.apache.spark.deploy.history.HistoryServer --properties-file "$1" > >(tee "$log") 2>&1 &',
    "pid=$!",
    "trap 'kill -TERM \"$pid\" 2>/dev/null' TERM INT",
    "code=0",
    'while wait "$pid"; code=$?; kill -0 "$pid" 2>/dev/null; do :; done',
    'if [ "$code" -ne 0 ]; then',
    "  sleep 1",
    "  why=$(grep -E '^Exception in thread|^Caused by' \"$log\" | head -n 2 | cut -c1-500)",
    '  printf "the Spark History Server stopped (exit code %s): it cannot read its event-log directory %s (logDirectory): %s\\n" "$code" "$2" "${why:-see the pod log}" > /dev/termination-log',
    "fi",
    'exit "$code"',
].join("\n");

/** The pod's memory: the JVM heap plus what the JVM needs beside it. */
export function historyPodMemory(heap: string): string {
    const match = /^(\d+)([kmgt]?)$/i.exec(heap);
    const mib = match
        ? Math.ceil(
              Number(match[1]) *
                  (
                      {
                          "": 1 / (1024 * 1024),
                          k: 1 / 1024,
                          m: 1,
                          g: 1024,
                          t: 1024 * 1024,
                      } as Record<string, number>
                  )[match[2].toLowerCase()],
          )
        : 512;
    return `${mib + 384}Mi`;
}

/** The Deployment's spec: one server, ready only once it has read its directory. */
export function historyDeploymentSpec(spec: HistoryServerSpec, configName: string) {
    const selector = historySelector(spec.name);
    const properties = historyProperties(spec);
    const memory = historyPodMemory(spec.memory);
    const probe = (path: string) => ({ httpGet: { path, port: HISTORY_PORT } });
    return {
        replicas: 1,
        // The server binds its port a moment before it reads the directory, and exits if it
        // cannot: only a pod ready for this long counts, so a failing server never passes.
        minReadySeconds: 10,
        selector: { matchLabels: selector },
        template: {
            metadata: {
                labels: { ...spec.labels, ...selector },
                // A new configuration restarts the server.
                annotations: {
                    "pyspark-k8s/config-hash": createHash("sha256")
                        .update(properties)
                        .digest("hex")
                        .slice(0, 16),
                },
            },
            spec: {
                serviceAccountName: spec.name,
                automountServiceAccountToken: false,
                securityContext: podSecurityContext(spec.runAsUser),
                volumes: [
                    { name: "tmp", emptyDir: {} },
                    { name: "conf", configMap: { name: configName } },
                ],
                containers: [
                    {
                        name: CONTAINER,
                        image: spec.image,
                        imagePullPolicy: "IfNotPresent",
                        args: [
                            "/bin/bash",
                            "-c",
                            HISTORY_SCRIPT,
                            "spark-history-server",
                            `${CONF_DIR}/${CONF_FILE}`,
                            spec.logDirectory,
                        ],
                        env: [
                            { name: "SPARK_DAEMON_MEMORY", value: spec.memory },
                            { name: "SPARK_NO_DAEMONIZE", value: "true" },
                            ...(spec.secret !== undefined
                                ? (["accessKeyId", "secretAccessKey"] as const).map((key) => ({
                                      name: HISTORY_ENV[key],
                                      valueFrom: {
                                          secretKeyRef: {
                                              name: spec.secret!,
                                              key: CREDENTIAL_KEYS[key],
                                          },
                                      },
                                  }))
                                : []),
                        ],
                        ports: [{ name: "http", containerPort: HISTORY_PORT }],
                        startupProbe: {
                            ...probe("/api/v1/version"),
                            periodSeconds: 3,
                            failureThreshold: 200,
                        },
                        readinessProbe: {
                            ...probe("/api/v1/applications?limit=1"),
                            periodSeconds: 3,
                            successThreshold: 2,
                            timeoutSeconds: 5,
                        },
                        livenessProbe: {
                            ...probe("/api/v1/version"),
                            periodSeconds: 20,
                            timeoutSeconds: 5,
                            failureThreshold: 3,
                        },
                        resources: {
                            requests: { cpu: spec.coreRequest, memory },
                            limits: { cpu: spec.coreLimit, memory },
                        },
                        securityContext: containerSecurityContext(),
                        volumeMounts: [
                            { name: "tmp", mountPath: "/tmp" },
                            { name: "conf", mountPath: CONF_DIR, readOnly: true },
                        ],
                    },
                ],
            },
        },
    };
}

/** The ConfigMap's data: the properties file. */
export function historyConfigData(spec: HistoryServerSpec): Record<string, string> {
    return { [CONF_FILE]: historyProperties(spec) };
}

/** The server's pods admit traffic on the UI port only. */
export function historyNetworkPolicy(name: string) {
    return {
        podSelector: { matchLabels: historySelector(name) },
        policyTypes: ["Ingress"],
        ingress: [{ ports: [{ port: HISTORY_PORT, protocol: "TCP" }] }],
    };
}

/** How to open the server from a machine outside the cluster. */
export function portForwardCommand(namespace: string, service: string): string {
    return `kubectl -n ${namespace} port-forward service/${service} ${HISTORY_PORT}:${HISTORY_PORT}`;
}
