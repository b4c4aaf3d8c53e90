/**
 * Builds the spark-submit command line for one run of a job, in cluster deploy mode.
 * Pure: the runner adds the master and the per-run names it generates.
 */
import { observabilityConf } from "./observability";
import { cpuLimit, memoryOverheadMiB, overheadFactor } from "./podSize";
import { RunSpec, LABELS, jobSelector } from "./runSpec";
import {
    DRIVER_TEMPLATE_FILE,
    EXECUTOR_TEMPLATE_FILE,
    executorPodTemplate,
    localDriverPodTemplate,
    podTemplateYaml,
} from "./podTemplate";
import type { ConfEntry } from "./confEntry";

/** What is decided at run time, per run. */
export interface RunIdentity {
    /** `k8s://https://host:port`. */
    readonly master: string;
    /**
     * Unique per run, a DNS-1123 label: `<job>-<tag>`. It prefixes the run's pod names
     * and is its label `pyspark-k8s/run`.
     */
    readonly runName: string;
    /** Where the run's pod templates were written (see {@link localPodTemplateFiles}). */
    readonly podTemplateDir: string;
}

/** The pod templates spark-submit reads for a run from the deployer: file name to YAML. */
export function localPodTemplateFiles(spec: RunSpec): Record<string, string> {
    return {
        [DRIVER_TEMPLATE_FILE]: podTemplateYaml(localDriverPodTemplate(spec)),
        [EXECUTOR_TEMPLATE_FILE]: podTemplateYaml(executorPodTemplate(spec)),
    };
}

/** The driver pod's name for a run. */
export function driverPodName(runName: string): string {
    return `${runName}-driver`;
}

/** Every label the run's driver and executor pods carry. */
export function runLabels(spec: RunSpec, runName: string): Record<string, string> {
    return {
        ...spec.labels,
        [LABELS.managedBy]: "pulumi",
        ...jobSelector(spec),
        [LABELS.run]: runName,
    };
}

export type { ConfEntry };

/**
 * The `--conf` settings the program makes for a run from the deployer, in a stable order:
 * placement and per-run names first, then what the run's pods get ({@link workloadConf}).
 * The job's own `conf` comes after them ({@link userConf}); it may not repeat a key of these.
 */
export function localSubmitConf(spec: RunSpec, run: RunIdentity): ConfEntry[] {
    const conf: ConfEntry[] = [
        ["spark.kubernetes.namespace", spec.namespace],
        ["spark.kubernetes.container.image", spec.image],
        ["spark.kubernetes.container.image.pullPolicy", "IfNotPresent"],
        ["spark.kubernetes.authenticate.driver.serviceAccountName", spec.serviceAccountName],
        ["spark.kubernetes.driver.pod.name", driverPodName(run.runName)],
        ["spark.kubernetes.executor.podNamePrefix", run.runName],
        // The runner watches the driver itself: spark-submit's own wait can report
        // success for a failed driver and hangs on a driver that never starts.
        ["spark.kubernetes.submission.waitAppCompletion", "false"],
        [
            "spark.kubernetes.driver.podTemplateFile",
            `${run.podTemplateDir}/${DRIVER_TEMPLATE_FILE}`,
        ],
        [
            "spark.kubernetes.executor.podTemplateFile",
            `${run.podTemplateDir}/${EXECUTOR_TEMPLATE_FILE}`,
        ],
    ];
    if (spec.cluster.context) conf.push(["spark.kubernetes.context", spec.cluster.context]);
    return [...conf, ...workloadConf(spec, run.runName)];
}

/**
 * What a run's pods get, whichever submitter starts them: resources (the memory overhead
 * always explicit, so that Spark sizes the pods as the program does), executor count,
 * labels and environment, the event log and the metrics, in a stable order.
 */
export function workloadConf(spec: RunSpec, runName: string): ConfEntry[] {
    const conf: ConfEntry[] = [];
    const pod = (role: "driver" | "executor", r: RunSpec["driver"]) => {
        conf.push([`spark.${role}.cores`, String(r.cores)]);
        conf.push([`spark.${role}.memory`, r.memory]);
        conf.push([
            `spark.${role}.memoryOverhead`,
            `${memoryOverheadMiB(r.memory, r.memoryOverhead, overheadFactor(spec.app))}m`,
        ]);
        if (r.coreRequest) conf.push([`spark.kubernetes.${role}.request.cores`, r.coreRequest]);
        conf.push([`spark.kubernetes.${role}.limit.cores`, cpuLimit(r)]);
    };
    pod("driver", spec.driver);
    pod("executor", spec.executor);

    const dyn = spec.dynamicAllocation;
    if (dyn.enabled) {
        conf.push(
            ["spark.dynamicAllocation.enabled", "true"],
            // Kubernetes has no external shuffle service: track shuffle files instead.
            ["spark.dynamicAllocation.shuffleTracking.enabled", "true"],
            ["spark.dynamicAllocation.minExecutors", String(dyn.minExecutors)],
            ["spark.dynamicAllocation.maxExecutors", String(dyn.maxExecutors)],
            ["spark.dynamicAllocation.initialExecutors", String(spec.executor.instances)],
        );
    } else {
        conf.push(
            ["spark.dynamicAllocation.enabled", "false"],
            ["spark.executor.instances", String(spec.executor.instances)],
        );
    }

    for (const [key, value] of Object.entries(runLabels(spec, runName)).sort(byKey)) {
        conf.push(
            [`spark.kubernetes.driver.label.${key}`, value],
            [`spark.kubernetes.executor.label.${key}`, value],
        );
    }
    for (const [name, value] of Object.entries(spec.env).sort(byKey)) {
        conf.push(
            [`spark.kubernetes.driverEnv.${name}`, value],
            [`spark.executorEnv.${name}`, value],
        );
    }
    return [...conf, ...observabilityConf(spec.eventLog, spec.metrics)];
}

/** The job's own `conf`, in a stable order; it comes last on the command line. */
export function userConf(spec: Pick<RunSpec, "conf">): ConfEntry[] {
    return Object.entries(spec.conf).sort(byKey);
}

function byKey(a: [string, string], b: [string, string]): number {
    return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** The full argument vector of spark-submit (without the program name). */
export function sparkSubmitArgs(spec: RunSpec, run: RunIdentity): string[] {
    const args = ["--master", run.master, "--deploy-mode", "cluster", "--name", spec.job];
    for (const [key, value] of [...localSubmitConf(spec, run), ...userConf(spec)])
        args.push("--conf", `${key}=${value}`);
    args.push(spec.app, ...spec.args);
    return args;
}

/** The Spark master URL for an API server URL: `k8s://https://host:port` (port made explicit). */
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

/** The Spark version `spark-submit --version` reports, e.g. `3.5.7`. */
export function sparkSubmitVersion(output: string): string | undefined {
    return /version (\d+\.\d+\.\d+)/.exec(output)?.[1];
}
