import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SparkLogKeeperSettings, sparkLogKeeperProblems, validOrThrow } from "../lib/componentArgs";
import {
    KEEPER_RULES,
    KEEPER_SCRIPT,
    LogKeeperSpec,
    keeperDeploymentSpec,
    keeperNetworkPolicy,
    printLogsCommand,
} from "../lib/logKeeper";
import { CREDENTIAL_KEYS, s3Location } from "../lib/observability";
import { SECRET_KEYS_STANDIN, validatedNowOrLater } from "./knownNow";
import type { ObjectStoreArgs, StoreCredentialsArgs } from "./sparkJobArgs";

/** Arguments of {@link SparkLogKeeper}. */
export interface SparkLogKeeperArgs {
    /** Namespace whose runs' pod logs are kept (a DNS-1123 label; it must exist). */
    readonly namespace: pulumi.Input<string>;
    /** The image it runs, pinned by digest: the job image (it needs Python 3 only). */
    readonly image: pulumi.Input<string>;
    /** Where the logs go: `s3://bucket/prefix`; a run's are under `<prefix>/<namespace>/<run>/`. */
    readonly dir: pulumi.Input<string>;
    /** The store: AWS S3, or an S3-compatible store (for GCS: its XML API with HMAC keys). */
    readonly store?: pulumi.Input<ObjectStoreArgs>;
    /** Keys that may list, read, write and delete under `dir`. Without them, the ServiceAccount's cloud identity (EKS IRSA). */
    readonly credentials?: StoreCredentialsArgs;
    /** Annotations of the keeper's ServiceAccount, for cloud identity (`eks.amazonaws.com/role-arn`). */
    readonly serviceAccountAnnotations?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /** Days a log is kept; older ones are deleted (checked hourly), 1 to 3650. Default: `30`. */
    readonly retentionDays?: pulumi.Input<number>;
    /** Labels narrowing which runs' pods are kept (e.g. one stack's); every run's by default. */
    readonly podSelector?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /**
     * Seconds `pulumi up` waits for the keeper to have written to the store before it fails,
     * saying why, 30 to 3600. Default: `180`.
     */
    readonly readyTimeoutSeconds?: pulumi.Input<number>;
    /** The image's non-root user id. Default: `185`. */
    readonly runAsUser?: pulumi.Input<number>;
    /** Labels added to every object. */
    readonly labels?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
}

/** The keeper's script, shipped with the package. */
const SCRIPT_PATH = path.join(__dirname, "..", "..", "scripts", KEEPER_SCRIPT);

/**
 * Keeps the log of every pod of the runs in a namespace (drivers and executors, also of
 * failed runs, lost executors and runs whose deployer was killed) in an S3 store, from
 * inside the cluster: a small Deployment in the job image running the package's Python
 * script (from a ConfigMap), which follows the pods through the API and writes each log
 * while it grows and once it ends. Its ServiceAccount may only read the namespace's pods
 * and their logs. Logs older than `retentionDays` are deleted. `pulumi up` waits until the
 * keeper has written to the store, and fails, saying why, if it cannot.
 */
export class SparkLogKeeper extends pulumi.ComponentResource {
    /** Where this namespace's runs' logs are: `s3://bucket/prefix/<namespace>/`. */
    public readonly location: pulumi.Output<string>;
    /** The keeper's Deployment (to print a run's logs through it). */
    public readonly deploymentName: pulumi.Output<string>;
    /** The command that prints a run's logs through the keeper (no store keys needed): add the run's location. */
    public readonly printCommand: pulumi.Output<string>;

    constructor(name: string, args: SparkLogKeeperArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pyspark-k8s:logs:SparkLogKeeper", name, {}, opts);
        const { credentials, ...others } = args;
        const checked = {
            ...others,
            ...(credentials ? { credentials: SECRET_KEYS_STANDIN } : {}),
        };
        const valid: pulumi.Output<SparkLogKeeperSettings> = validatedNowOrLater(checked, (raw) =>
            validOrThrow("SparkLogKeeper", name, sparkLogKeeperProblems(name, raw)),
        );
        const labels = valid.apply((v) => ({
            ...v.labels,
            "app.kubernetes.io/managed-by": "pulumi",
        }));
        const metadata = (objectName: string) => ({
            name: objectName,
            namespace: valid.namespace,
            labels,
        });
        const script = fs.readFileSync(SCRIPT_PATH, "utf8");

        const secret = credentials
            ? new k8s.core.v1.Secret(
                  `${name}-store`,
                  {
                      metadata: metadata(`${name}-store`),
                      type: "Opaque",
                      stringData: pulumi.secret({
                          [CREDENTIAL_KEYS.accessKeyId]: credentials.accessKeyId,
                          [CREDENTIAL_KEYS.secretAccessKey]: credentials.secretAccessKey,
                      }),
                  },
                  { parent: this },
              )
            : undefined;
        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            {
                metadata: {
                    ...metadata(name),
                    annotations: valid.apply((v) =>
                        Object.keys(v.serviceAccountAnnotations).length > 0
                            ? v.serviceAccountAnnotations
                            : undefined,
                    ) as pulumi.Output<Record<string, string>>,
                },
            },
            { parent: this },
        );
        const role = new k8s.rbac.v1.Role(
            `${name}-role`,
            { metadata: metadata(name), rules: KEEPER_RULES },
            { parent: this },
        );
        const binding = new k8s.rbac.v1.RoleBinding(
            `${name}-binding`,
            {
                metadata: metadata(name),
                roleRef: {
                    apiGroup: "rbac.authorization.k8s.io",
                    kind: "Role",
                    name: role.metadata.name,
                },
                subjects: [
                    {
                        kind: "ServiceAccount",
                        name: serviceAccount.metadata.name,
                        namespace: valid.namespace,
                    },
                ],
            },
            { parent: this },
        );
        const scriptMap = new k8s.core.v1.ConfigMap(
            `${name}-script`,
            { metadata: metadata(`${name}-script`), data: { [KEEPER_SCRIPT]: script } },
            { parent: this },
        );
        const spec = valid.apply((v): LogKeeperSpec => ({
            name,
            namespace: v.namespace,
            image: v.image,
            dir: v.dir,
            store: v.store,
            ...(credentials ? { secret: `${name}-store` } : {}),
            retentionDays: v.retentionDays,
            podSelector: v.podSelector,
            runAsUser: v.runAsUser,
            labels: { ...v.labels, "app.kubernetes.io/managed-by": "pulumi" },
        }));
        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: {
                    ...metadata(name),
                    annotations: {
                        "pulumi.com/timeoutSeconds": valid.apply((v) =>
                            String(v.readyTimeoutSeconds),
                        ),
                    },
                },
                spec: spec.apply((s) => keeperDeploymentSpec(s, script, `${name}-script`)),
            },
            {
                parent: this,
                dependsOn: [binding, scriptMap, ...(secret ? [secret] : [])],
            },
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-network-policy`,
            { metadata: metadata(name), spec: keeperNetworkPolicy(name) },
            { parent: this },
        );
        this.deploymentName = deployment.metadata.name;
        this.location = valid.apply((v) => {
            const { bucket, prefix } = s3Location(v.dir);
            return `s3://${bucket}/${prefix ? `${prefix}/` : ""}${v.namespace}/`;
        });
        this.printCommand = pulumi
            .all([deployment.metadata.namespace, deployment.metadata.name])
            .apply(([ns, deploy]) => printLogsCommand(ns, deploy, "<location>"));
        this.registerOutputs({
            location: this.location,
            deploymentName: this.deploymentName,
            printCommand: this.printCommand,
        });
    }
}
