/**
 * The log keeper as Kubernetes objects: the least privilege it needs (read the pods and
 * their logs of its namespace), and its Deployment's pod (the job image's Python running
 * the package's script, mounted from a ConfigMap, Pod Security `restricted`). Pure.
 */
import { createHash } from "crypto";
import { containerSecurityContext, podSecurityContext } from "./podTemplate";
import { CREDENTIAL_KEYS, ObjectStore } from "./observability";
import { LABELS, labelValue } from "./runSpec";

/** Where the script is mounted, and its file name (the ConfigMap's key). */
export const KEEPER_DIR = "/opt/psk-log-keeper";
export const KEEPER_SCRIPT = "log_keeper.py";
/** The file the keeper writes once it can write to the store and sees the pods. */
const READY_FILE = "/tmp/psk-log-keeper.ready";
const CONTAINER = "log-keeper";

/** What the keeper's objects are made from: its validated arguments, placed. */
export interface LogKeeperSpec {
    readonly name: string;
    readonly namespace: string;
    readonly image: string;
    readonly dir: string;
    readonly store: ObjectStore;
    /** The Secret of its keys, if it has keys. */
    readonly secret?: string;
    readonly retentionDays: number;
    readonly podSelector: Record<string, string>;
    readonly runAsUser: number;
    readonly labels: Record<string, string>;
}

/** Labels selecting the keeper's pods. */
export function keeperSelector(name: string): Record<string, string> {
    return { "app.kubernetes.io/name": "spark-log-keeper", "app.kubernetes.io/instance": name };
}

/** The Role's rules: read the pods and their logs, nothing else. */
export const KEEPER_RULES = [
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
    { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
];

/** Labels selecting the pods of one stack's runs (a log keeper's `podSelector`). */
export function stackPodSelector(project: string, stack: string): Record<string, string> {
    return { [LABELS.project]: labelValue(project), [LABELS.stack]: labelValue(stack) };
}

/** The pods whose logs are kept: every pod of a run, narrowed by `podSelector`. */
export function keptPodsSelector(podSelector: Record<string, string>): string {
    return [
        LABELS.run,
        ...Object.entries(podSelector)
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([key, value]) => `${key}=${value}`),
    ].join(",");
}

/** The Deployment's spec: one keeper, ready once it has written to the store. */
export function keeperDeploymentSpec(spec: LogKeeperSpec, script: string, scriptConfigMap: string) {
    const selector = keeperSelector(spec.name);
    return {
        replicas: 1,
        // One keeper at a time: two would write the same objects.
        strategy: { type: "Recreate" },
        minReadySeconds: 3,
        selector: { matchLabels: selector },
        template: {
            metadata: {
                labels: { ...spec.labels, ...selector },
                annotations: {
                    // A new script restarts the keeper.
                    "pyspark-k8s/script-hash": createHash("sha256")
                        .update(script)
                        .digest("hex")
                        .slice(0, 16),
                },
            },
            spec: {
                serviceAccountName: spec.name,
                // It reads pods and logs through the API.
                automountServiceAccountToken: true,
                securityContext: podSecurityContext(spec.runAsUser),
                volumes: [
                    { name: "tmp", emptyDir: {} },
                    { name: "script", configMap: { name: scriptConfigMap } },
                ],
                containers: [
                    {
                        name: CONTAINER,
                        image: spec.image,
                        imagePullPolicy: "IfNotPresent",
                        args: ["python3", `${KEEPER_DIR}/${KEEPER_SCRIPT}`, "keep"],
                        env: [
                            { name: "PSK_LOGS_DIR", value: spec.dir },
                            {
                                name: "PSK_NAMESPACE",
                                valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } },
                            },
                            { name: "PSK_POD_SELECTOR", value: keptPodsSelector(spec.podSelector) },
                            { name: "PSK_RETENTION_DAYS", value: String(spec.retentionDays) },
                            { name: "PSK_STORE_ENDPOINT", value: spec.store.endpoint ?? "" },
                            { name: "PSK_STORE_REGION", value: spec.store.region },
                            { name: "PSK_STORE_PATH_STYLE", value: String(spec.store.pathStyle) },
                            { name: "PYTHONUNBUFFERED", value: "1" },
                            ...(spec.secret !== undefined
                                ? (["accessKeyId", "secretAccessKey"] as const).map((key) => ({
                                      name:
                                          key === "accessKeyId"
                                              ? "AWS_ACCESS_KEY_ID"
                                              : "AWS_SECRET_ACCESS_KEY",
                                      valueFrom: {
                                          secretKeyRef: {
                                              name: spec.secret!,
                                              key: CREDENTIAL_KEYS[key],
                                          },
                                      },
                                  }))
                                : []),
                        ],
                        readinessProbe: {
                            exec: { command: ["cat", READY_FILE] },
                            periodSeconds: 2,
                        },
                        livenessProbe: {
                            exec: { command: ["cat", READY_FILE] },
                            initialDelaySeconds: 300,
                            periodSeconds: 60,
                        },
                        resources: {
                            requests: { cpu: "50m", memory: "128Mi" },
                            limits: { cpu: "500m", memory: "512Mi" },
                        },
                        securityContext: containerSecurityContext(),
                        volumeMounts: [
                            { name: "tmp", mountPath: "/tmp" },
                            { name: "script", mountPath: KEEPER_DIR, readOnly: true },
                        ],
                    },
                ],
            },
        },
    };
}

/** The keeper's pods take no traffic at all. */
export function keeperNetworkPolicy(name: string) {
    return {
        podSelector: { matchLabels: keeperSelector(name) },
        policyTypes: ["Ingress"],
        ingress: [],
    };
}

/** The command that prints a run's kept logs, through the keeper (no keys needed). */
export function printLogsCommand(namespace: string, deployment: string, location: string): string {
    return `kubectl -n ${namespace} exec deploy/${deployment} -- python3 ${KEEPER_DIR}/${KEEPER_SCRIPT} print ${location}`;
}
