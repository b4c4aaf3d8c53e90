import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    SparkHistoryServerSettings,
    sparkHistoryServerProblems,
    validOrThrow,
} from "../lib/componentArgs";
import {
    HISTORY_PORT,
    HistoryServerSpec,
    historyConfigData,
    historyDeploymentSpec,
    historyNetworkPolicy,
    historySelector,
    portForwardCommand,
} from "../lib/historyServer";
import { CREDENTIAL_KEYS } from "../lib/observability";
import { SECRET_KEYS_STANDIN, validatedNowOrLater } from "./knownNow";
import type { ObjectStoreArgs, StoreCredentialsArgs } from "./sparkJobArgs";

/** Arguments of {@link SparkHistoryServer}. */
export interface SparkHistoryServerArgs {
    /** Namespace of the server (a DNS-1123 label; it must exist). */
    readonly namespace: pulumi.Input<string>;
    /** The image it runs, pinned by digest: the job image, which has Spark and the store's connector. */
    readonly image: pulumi.Input<string>;
    /** The event-log directory the jobs write (their `eventLog.dir`): `s3a://bucket/prefix`. */
    readonly logDirectory: pulumi.Input<string>;
    /** The store of an `s3a://` directory. */
    readonly store?: pulumi.Input<ObjectStoreArgs>;
    /**
     * Keys that may read the directory (read-only keys, where the store has them). Without
     * them, `credentialsProvider` (cloud identity).
     */
    readonly credentials?: StoreCredentialsArgs;
    /**
     * The S3A credentials provider when no keys are given, e.g.
     * `com.amazonaws.auth.WebIdentityTokenCredentialsProvider` for EKS IRSA. Default: S3A's own chain.
     */
    readonly credentialsProvider?: pulumi.Input<string>;
    /** Annotations of the server's ServiceAccount, for cloud identity (EKS IRSA, GKE Workload Identity). */
    readonly serviceAccountAnnotations?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /** JVM heap of the server (`512m`, `2g`); the pod gets 384 MiB more. Default: `512m`. */
    readonly memory?: pulumi.Input<string>;
    /** CPU request of the pod. Default: `250m`. */
    readonly coreRequest?: pulumi.Input<string>;
    /** CPU limit of the pod. Default: `1`. */
    readonly coreLimit?: pulumi.Input<string>;
    /** Seconds between the server's scans of the directory for new runs, 1 to 3600. Default: `10`. */
    readonly updateIntervalSeconds?: pulumi.Input<number>;
    /**
     * Seconds `pulumi up` waits for the server to have read its directory before it fails,
     * saying why, 30 to 3600. Default: `300`.
     */
    readonly readyTimeoutSeconds?: pulumi.Input<number>;
    /** The image's non-root user id. Default: `185`. */
    readonly runAsUser?: pulumi.Input<number>;
    /** Labels added to every object. */
    readonly labels?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
}

/**
 * The Spark History Server: a Deployment in the job image reading the jobs' event-log
 * directory, and its Service. `pulumi up` waits until the server has read the directory
 * (a readiness probe, bounded by `readyTimeoutSeconds`); a server that cannot read it
 * fails the update with the reason. Its pod meets Pod Security `restricted`, gets no
 * Kubernetes API token, and reads its keys from a Secret by reference.
 */
export class SparkHistoryServer extends pulumi.ComponentResource {
    /** The server's URL by its ClusterIP: open it on the cluster's network (or see `portForward`). */
    public readonly url: pulumi.Output<string>;
    /** The Service's name. */
    public readonly serviceName: pulumi.Output<string>;
    /** The command that makes the server reachable at http://127.0.0.1:18080 from elsewhere. */
    public readonly portForward: pulumi.Output<string>;

    constructor(
        name: string,
        args: SparkHistoryServerArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("pyspark-k8s:history:SparkHistoryServer", name, {}, opts);
        const { credentials, ...others } = args;
        const checked = {
            ...others,
            ...(credentials ? { credentials: SECRET_KEYS_STANDIN } : {}),
        };
        const valid: pulumi.Output<SparkHistoryServerSettings> = validatedNowOrLater(
            checked,
            (raw) =>
                validOrThrow("SparkHistoryServer", name, sparkHistoryServerProblems(name, raw)),
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
        const spec = valid.apply((v): HistoryServerSpec => ({
            name,
            namespace: v.namespace,
            image: v.image,
            logDirectory: v.logDirectory,
            store: v.store,
            ...(credentials ? { secret: `${name}-store` } : {}),
            ...(v.credentialsProvider !== undefined
                ? { credentialsProvider: v.credentialsProvider }
                : {}),
            memory: v.memory,
            coreRequest: v.coreRequest,
            coreLimit: v.coreLimit,
            updateIntervalSeconds: v.updateIntervalSeconds,
            runAsUser: v.runAsUser,
            labels: { ...v.labels, "app.kubernetes.io/managed-by": "pulumi" },
        }));

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
                automountServiceAccountToken: false,
            },
            { parent: this },
        );
        const config = new k8s.core.v1.ConfigMap(
            `${name}-conf`,
            { metadata: metadata(`${name}-conf`), data: spec.apply(historyConfigData) },
            { parent: this },
        );
        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: {
                    ...metadata(name),
                    annotations: {
                        // The provider waits for the server to be ready, this long at most.
                        "pulumi.com/timeoutSeconds": valid.apply((v) =>
                            String(v.readyTimeoutSeconds),
                        ),
                    },
                },
                spec: spec.apply((s) => historyDeploymentSpec(s, `${name}-conf`)),
            },
            {
                parent: this,
                dependsOn: [serviceAccount, config, ...(secret ? [secret] : [])],
            },
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-network-policy`,
            { metadata: metadata(name), spec: historyNetworkPolicy(name) },
            { parent: this },
        );
        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: metadata(name),
                spec: {
                    type: "ClusterIP",
                    selector: historySelector(name),
                    ports: [{ name: "http", port: HISTORY_PORT, targetPort: HISTORY_PORT }],
                },
            },
            { parent: this, dependsOn: [deployment] },
        );
        this.serviceName = service.metadata.name;
        this.url = pulumi.interpolate`http://${service.spec.clusterIP}:${HISTORY_PORT}`;
        this.portForward = pulumi
            .all([service.metadata.namespace, service.metadata.name])
            .apply(([ns, svc]) => portForwardCommand(ns, svc));
        this.registerOutputs({
            url: this.url,
            serviceName: this.serviceName,
            portForward: this.portForward,
        });
    }
}
