/**
 * The arguments of {@link SparkJob}: what runs, how big, where, and how it is watched.
 * Their rules and defaults are enforced by lib/componentArgs.ts (`sparkJobArgsSchema`);
 * a type test keeps the two in step.
 */
import * as pulumi from "@pulumi/pulumi";

/** Who runs spark-submit. */
export const Submitter = {
    /** A Kubernetes Job in the job's own image runs it; the deployer needs only Node and Pulumi. */
    cluster: "cluster",
    /** spark-submit in cluster mode from the machine running `pulumi up` (needs Java and Spark). */
    local: "local",
} as const;
export type Submitter = (typeof Submitter)[keyof typeof Submitter];

/** Resources of one Spark pod: the driver, or each executor. */
export interface SparkPodArgs {
    /** Spark cores of the JVM (`spark.driver.cores`, `spark.executor.cores`), 1 to 64. Default: `1`. */
    readonly cores?: pulumi.Input<number>;
    /** CPU request of the pod (`250m`, `0.5`, `2`). Default: `cores`. */
    readonly coreRequest?: pulumi.Input<string>;
    /** CPU limit of the pod; at least the request. Default: `cores`. */
    readonly coreLimit?: pulumi.Input<string>;
    /** JVM heap (`512m`, `2g`), at least `450m`. Default: `512m`. */
    readonly memory?: pulumi.Input<string>;
    /**
     * Non-heap memory added to the pod's memory request and limit. Default: Spark's, 40% of
     * the heap for Python apps and 10% for JVM ones, at least `384m`.
     */
    readonly memoryOverhead?: pulumi.Input<string>;
}

/** Resources of the executors, and how many. */
export interface SparkExecutorArgs extends SparkPodArgs {
    /** Executors (the initial count under dynamic allocation), 1 to 500. Default: `2`. */
    readonly instances?: pulumi.Input<number>;
}

/** Dynamic allocation of executors (with shuffle tracking: Kubernetes has no shuffle service). */
export interface DynamicAllocationArgs {
    /** Default: `false`. */
    readonly enabled?: pulumi.Input<boolean>;
    /** Default: `0`. */
    readonly minExecutors?: pulumi.Input<number>;
    /** Default: `4`. */
    readonly maxExecutors?: pulumi.Input<number>;
}

/** A variable read from a key of an existing Secret. */
export interface SecretKeyRefArgs {
    /** The Secret's name. */
    readonly secret: pulumi.Input<string>;
    /** The key within it. */
    readonly key: pulumi.Input<string>;
}

/** A volume mounted in the driver and the executors: exactly one source. */
export interface VolumeArgs {
    /** Absolute path in the containers; not `/tmp`, `/opt/spark/pod-templates` or another path the program or Spark mounts. */
    readonly mountPath: pulumi.Input<string>;
    /** Default: `false` (ConfigMaps and Secrets are always read-only). */
    readonly readOnly?: pulumi.Input<boolean>;
    /** An existing PersistentVolumeClaim, by name. */
    readonly persistentVolumeClaim?: pulumi.Input<string>;
    /** A scratch directory per pod; the value is its size limit (`1Gi`, or `""` for none). */
    readonly emptyDir?: pulumi.Input<string>;
    /** An existing ConfigMap, by name. */
    readonly configMap?: pulumi.Input<string>;
    /** An existing Secret, by name. */
    readonly secret?: pulumi.Input<string>;
}

/** A toleration of the driver and the executors, as in a pod spec. */
export interface TolerationArgs {
    readonly key?: pulumi.Input<string>;
    /** `Equal` or `Exists`. Default: `Equal`. */
    readonly operator?: pulumi.Input<string>;
    readonly value?: pulumi.Input<string>;
    /** `NoSchedule`, `PreferNoSchedule` or `NoExecute`. */
    readonly effect?: pulumi.Input<string>;
    /** Only with effect `NoExecute`. */
    readonly tolerationSeconds?: pulumi.Input<number>;
}

/** One requirement on a node's labels. */
export interface NodeSelectorRequirementArgs {
    readonly key: pulumi.Input<string>;
    /** `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt` or `Lt`. */
    readonly operator: pulumi.Input<string>;
    readonly values?: pulumi.Input<pulumi.Input<string>[]>;
}

/** Requirements that all hold. */
export interface NodeSelectorTermArgs {
    readonly matchExpressions?: pulumi.Input<pulumi.Input<NodeSelectorRequirementArgs>[]>;
}

/** Terms of which one must hold. */
export interface NodeSelectorArgs {
    readonly nodeSelectorTerms: pulumi.Input<pulumi.Input<NodeSelectorTermArgs>[]>;
}

/** A preferred term and its weight (1 to 100). */
export interface PreferredSchedulingTermArgs {
    readonly weight: pulumi.Input<number>;
    readonly preference: pulumi.Input<NodeSelectorTermArgs>;
}

/** Node affinity, as in a pod spec. */
export interface NodeAffinityArgs {
    readonly requiredDuringSchedulingIgnoredDuringExecution?: pulumi.Input<NodeSelectorArgs>;
    readonly preferredDuringSchedulingIgnoredDuringExecution?: pulumi.Input<
        pulumi.Input<PreferredSchedulingTermArgs>[]
    >;
}

/** Affinity of the driver and the executors. */
export interface AffinityArgs {
    readonly nodeAffinity: pulumi.Input<NodeAffinityArgs>;
}

/** When a scheduled job runs: its CronJob's settings. */
export interface ScheduleArgs {
    /** Cron expression (`0 3 * * *`) or a macro (`@daily`), as a CronJob takes it. */
    readonly cron: string;
    /** IANA time zone of the expression (`Europe/Paris`). Default: the controller's, UTC. */
    readonly timeZone?: string;
    /** `Forbid` (skip a run while the last one runs), `Allow` or `Replace`. Default: `Forbid`. */
    readonly concurrencyPolicy?: string;
    /** Finished runs kept, with their driver pods, for logs. Default: `3`. */
    readonly successfulRunsHistoryLimit?: number;
    /** Default: `3`. */
    readonly failedRunsHistoryLimit?: number;
    /** A run that could not start within this many seconds of its time is skipped. */
    readonly startingDeadlineSeconds?: number;
    /** Keep the CronJob but start no runs. Default: `false`. */
    readonly suspend?: boolean;
}

/** How the deployer reaches the cluster (the runner, and spark-submit for submitter `local`). */
export interface ClusterAccessArgs {
    /** Kubeconfig path. Default: `$KUBECONFIG`, else `~/.kube/config`. */
    readonly kubeconfig?: pulumi.Input<string>;
    /** Kubeconfig context. Default: its current context. */
    readonly context?: pulumi.Input<string>;
    /** Spark master, `k8s://https://host:port` (the port is required). Default: the context's API server. */
    readonly master?: pulumi.Input<string>;
}

/** An S3 or S3-compatible object store. */
export interface ObjectStoreArgs {
    /**
     * The store's URL, for S3-compatible stores and private endpoints
     * (`http://10.244.0.1:8333`). Default: AWS S3's endpoint of `region`.
     */
    readonly endpoint?: pulumi.Input<string>;
    /** The region requests are signed for. Default: `us-east-1`. */
    readonly region?: pulumi.Input<string>;
    /** Path-style requests (`http://host/bucket/key`), as most S3-compatible stores need. Default: `false`. */
    readonly pathStyle?: pulumi.Input<boolean>;
}

/**
 * An access key pair of a store. The values stay secret: they go into a Secret that the
 * pods read by reference, never into a pod spec, a command line or a log.
 */
export interface StoreCredentialsArgs {
    readonly accessKeyId: pulumi.Input<string>;
    readonly secretAccessKey: pulumi.Input<string>;
}

/** Where every run of a job writes its Spark event log, which the History Server reads. */
export interface EventLogArgs {
    /**
     * The directory: `s3a://bucket/prefix` (or another Hadoop file system whose connector the
     * image carries, e.g. `gs://bucket/prefix`). It must exist (for S3, the marker `prefix/`).
     */
    readonly dir: pulumi.Input<string>;
    /** The store of an `s3a://` directory. */
    readonly store?: pulumi.Input<ObjectStoreArgs>;
    /**
     * Keys that may write the directory, read by the driver only. Without them, S3A's
     * `credentialsProvider` (cloud identity) is used.
     */
    readonly credentials?: StoreCredentialsArgs;
    /**
     * The S3A credentials provider class when no keys are given, e.g.
     * `com.amazonaws.auth.WebIdentityTokenCredentialsProvider` for EKS IRSA. Default: S3A's own chain.
     */
    readonly credentialsProvider?: pulumi.Input<string>;
}

/** What a job's drivers expose to Prometheus. */
export interface MetricsArgs {
    /**
     * Spark's metrics in Prometheus format on the driver's UI port 4040 (`/metrics/prometheus`,
     * and the executors' at `/metrics/executors/prometheus`), with the scrape annotations
     * Prometheus' Kubernetes discovery reads; the job's NetworkPolicy admits that port. Default: `false`.
     */
    readonly prometheus?: boolean;
    /** A PodMonitor of the drivers, for the Prometheus Operator (needs `prometheus`). Default: `false`. */
    readonly podMonitor?: boolean;
}

/** Arguments of {@link SparkJob}. */
export interface SparkJobArgs {
    /** Namespace of the driver and the executors. */
    readonly namespace: pulumi.Input<string>;
    /** ServiceAccount the driver runs as (see SparkRbac). */
    readonly serviceAccountName: pulumi.Input<string>;
    /** The job image, pinned by digest (`name@sha256:...`; see JobImage). */
    readonly image: pulumi.Input<string>;
    /** The application: a path relative to the image's app directory (`jobs/pi.py`) or a URI (`local:///...`, `s3a://...`). */
    readonly app: pulumi.Input<string>;
    /** Arguments of the application. Default: none. */
    readonly args?: pulumi.Input<pulumi.Input<string>[]>;
    /** The driver's resources. */
    readonly driver?: pulumi.Input<SparkPodArgs>;
    /** The executors' resources and count. */
    readonly executor?: pulumi.Input<SparkExecutorArgs>;
    /** Dynamic allocation of executors. Default: off. */
    readonly dynamicAllocation?: pulumi.Input<DynamicAllocationArgs>;
    /** Extra labels of the driver and executor pods. */
    readonly labels?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /** Extra Spark settings (`--conf key=value`); the keys the program sets are refused. */
    readonly conf?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /** Environment variables of the driver and the executors (plain: part of the run's spec). */
    readonly env?: pulumi.Input<{ [name: string]: pulumi.Input<string> }>;
    /**
     * Secret environment variables of the driver and the executors: they go into a Secret
     * `<name>-secret-env`, read by reference; never in the run's spec, a command line or a log.
     */
    readonly secretEnv?: pulumi.Input<{ [name: string]: pulumi.Input<string> }>;
    /** Variables from existing Secrets, by variable name. */
    readonly secretKeyRefs?: pulumi.Input<{ [name: string]: pulumi.Input<SecretKeyRefArgs> }>;
    /** Existing Secrets mounted read-only, by Secret name: the absolute mount path. */
    readonly secretMounts?: pulumi.Input<{ [secret: string]: pulumi.Input<string> }>;
    /** Volumes of the driver and the executors, by volume name (at most 59 characters). */
    readonly volumes?: pulumi.Input<{ [name: string]: pulumi.Input<VolumeArgs> }>;
    /** A NetworkPolicy admitting traffic to the job's pods only from its own pods. Default: `true`. */
    readonly networkPolicy?: boolean;
    /** Node labels the driver and the executors must run on. */
    readonly nodeSelector?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /** Tolerations of the driver and the executors. */
    readonly tolerations?: pulumi.Input<pulumi.Input<TolerationArgs>[]>;
    /** Node affinity of the driver and the executors. */
    readonly affinity?: pulumi.Input<AffinityArgs>;
    /**
     * Regular expression picking the result line from the driver log (the last match; its
     * first capture group if it has one). A driver that succeeds without a matching line fails the run.
     */
    readonly resultPattern?: pulumi.Input<string>;
    /** Seconds the driver may take to start running, 10 to 3600. Default: `180`. */
    readonly startTimeoutSeconds?: pulumi.Input<number>;
    /** Seconds a run may take before Kubernetes stops it, 30 to 86400. Default: `1800`. */
    readonly runTimeoutSeconds?: pulumi.Input<number>;
    /** Change it to run again with nothing else changed. Default: `"1"`. */
    readonly runId?: pulumi.Input<string>;
    /** Who runs spark-submit. Default: `cluster`. */
    readonly submitter?: Submitter;
    /** Failed attempts of the application retried before the run fails (submitter cluster), 0 to 20. Default: `0`. */
    readonly retries?: pulumi.Input<number>;
    /** Run on this schedule (a CronJob) instead of during `pulumi up` (submitter cluster). */
    readonly schedule?: ScheduleArgs;
    /** The Spark version the image carries (`3.5.7`); required with submitter `local`. */
    readonly sparkVersion?: pulumi.Input<string | undefined>;
    /** The image's non-root user id; every pod runs as it. Default: `185`. */
    readonly runAsUser?: pulumi.Input<number>;
    /** How the deployer reaches the cluster. */
    readonly cluster?: pulumi.Input<ClusterAccessArgs>;
    /** Seconds the runner rides out an API server that does not answer, 5 to 3600. Default: `120`. */
    readonly apiRetrySeconds?: pulumi.Input<number>;
    /** Where every run writes its Spark event log, for the History Server. Default: none. */
    readonly eventLog?: EventLogArgs;
    /** Metrics of the drivers, for Prometheus. Default: none. */
    readonly metrics?: MetricsArgs;
    /** The History Server's URL (see SparkHistoryServer): each run's record links to its page there. */
    readonly historyServerUrl?: pulumi.Input<string>;
    /** Where a SparkLogKeeper keeps the pods' logs (its `dir`): each run's record names its logs' place. */
    readonly podLogsDir?: pulumi.Input<string>;
    /** Project name in the pods' labels. Default: the current Pulumi project. */
    readonly project?: pulumi.Input<string>;
    /** Stack name in the pods' labels. Default: the current Pulumi stack. */
    readonly stack?: pulumi.Input<string>;
}
