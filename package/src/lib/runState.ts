/**
 * Judging an in-cluster run: its Job and its pods (as the API returns them) in, a
 * verdict out. Pure. Kubernetes says whether the Job completed or failed; the driver
 * pods say which attempt did what, and whether a failure was the application's (a
 * non-zero exit) or the infrastructure's (eviction, preemption, node loss).
 */
import { PodView, judgeDriver } from "./driverState";

/** A timestamp as the client hands it over: a Date (typed calls) or a string (watches). */
export type Timestamp = Date | string;

/** The part of a Job the runner reads. */
export interface JobView {
    readonly metadata?: {
        readonly name?: string;
        readonly uid?: string;
        readonly creationTimestamp?: Timestamp;
    };
    readonly spec?: { readonly backoffLimit?: number; readonly activeDeadlineSeconds?: number };
    readonly status?: {
        readonly conditions?: readonly {
            readonly type: string;
            readonly status: string;
            readonly reason?: string;
            readonly message?: string;
        }[];
        readonly startTime?: Timestamp;
        readonly completionTime?: Timestamp;
        readonly active?: number;
        readonly failed?: number;
        readonly succeeded?: number;
    };
}

/** A pod with what the run reads besides the driver's state. */
export type RunPodView = PodView & {
    readonly metadata?: PodView["metadata"] & { readonly creationTimestamp?: Timestamp };
};

export type RunVerdict =
    | { readonly kind: "active" }
    | { readonly kind: "succeeded"; readonly driver: RunPodView }
    | {
          readonly kind: "failed";
          readonly reason: string;
          readonly message: string;
          readonly driver?: RunPodView;
      };

/** Milliseconds since the epoch of a timestamp; undefined if absent or unreadable. */
export function millis(t: Timestamp | undefined): number | undefined {
    if (t === undefined) return undefined;
    const ms = t instanceof Date ? t.getTime() : Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
}

/** A condition of the Job that is True, if any. */
export function trueCondition(job: JobView, type: string) {
    return job.status?.conditions?.find((c) => c.type === type && c.status === "True");
}

/** The run's driver pods (one per attempt), oldest first. */
export function driverPods(pods: readonly RunPodView[]): RunPodView[] {
    return pods
        .filter((p) => p.metadata?.labels?.["spark-role"] === "driver")
        .sort(
            (a, b) =>
                (millis(a.metadata?.creationTimestamp) ?? 0) -
                (millis(b.metadata?.creationTimestamp) ?? 0),
        );
}

/** Executor pods started by one driver pod (Spark names them after it). */
export function executorsOf(pods: readonly RunPodView[], driverName: string): RunPodView[] {
    return pods.filter(
        (p) =>
            p.metadata?.labels?.["spark-role"] === "executor" &&
            p.metadata?.name?.startsWith(`${driverName}-exec-`),
    );
}

/** Pod failure reasons that are the node's or the kubelet's doing, not the application's. */
const NODE_REASONS = new Set([
    "Evicted",
    "NodeLost",
    "NodeShutdown",
    "Shutdown",
    "Terminated",
    "UnexpectedAdmissionError",
    "OutOfcpu",
    "OutOfmemory",
]);

/**
 * The driver's exit code when it lost the Kubernetes API (EX_TEMPFAIL): the driver pod's
 * command turns such a failure into this code, and the Job does not count it as an
 * attempt of the application (see jobPod.ts).
 */
export const LOST_API_EXIT_CODE = 75;

/**
 * Why Kubernetes took a pod away, if it did: the DisruptionTarget condition (eviction,
 * preemption, taint-based deletion, node shutdown) or a node's failure reason.
 */
export function disruption(pod: PodView): string | undefined {
    const target = pod.status?.conditions?.find(
        (c) => c.type === "DisruptionTarget" && c.status === "True",
    );
    if (target)
        return [target.reason ?? "DisruptionTarget", target.message].filter(Boolean).join(": ");
    const reason = pod.status?.reason;
    if (reason !== undefined && NODE_REASONS.has(reason))
        return [reason, pod.status?.message].filter(Boolean).join(": ");
    return undefined;
}

/** One line on how an attempt ended, telling the application's failures from the infrastructure's. */
export function attemptOutcome(pod: PodView): string {
    const lost = disruption(pod);
    if (lost) return `infrastructure failure: ${lost}`;
    const verdict = judgeDriver(pod, 0, Number.POSITIVE_INFINITY);
    if (verdict.kind === "failed") {
        if (verdict.exitCode === LOST_API_EXIT_CODE)
            return `infrastructure failure: the driver lost the Kubernetes API (exit code ${LOST_API_EXIT_CODE}); this attempt does not count against retries`;
        if (verdict.reason === "OOMKilled")
            return `application failure: the driver ran out of memory (OOMKilled, exit code ${verdict.exitCode}): raise driver.memory or driver.memoryOverhead`;
        const exit = verdict.exitCode >= 0 ? `exit code ${verdict.exitCode}` : "no exit code";
        return `application failure: ${exit} (${verdict.reason})${verdict.message ? `: ${verdict.message}` : ""}`;
    }
    return verdict.kind;
}

/** Judges the run from its Job and its pods. */
export function judgeRun(job: JobView, pods: readonly RunPodView[]): RunVerdict {
    const drivers = driverPods(pods);
    if (trueCondition(job, "Complete")) {
        const winner = [...drivers]
            .reverse()
            .find((p) => judgeDriver(p, 0, Number.POSITIVE_INFINITY).kind === "succeeded");
        if (winner) return { kind: "succeeded", driver: winner };
        return {
            kind: "failed",
            reason: "NoDriverPod",
            message: "the Job completed but its driver pod is gone, so its log cannot be read",
        };
    }
    // FailureTarget comes first: the Job controller then stops the pods, and only once
    // they are gone does it set Failed. A run in between has failed already.
    const failed = trueCondition(job, "Failed") ?? trueCondition(job, "FailureTarget");
    if (failed) {
        return {
            kind: "failed",
            reason: failed.reason ?? "Failed",
            message: failed.message ?? "",
            driver: drivers[drivers.length - 1],
        };
    }
    return { kind: "active" };
}

/** Whole seconds, one decimal, between two timestamps; undefined if either is missing. */
export function secondsBetween(
    from: Timestamp | undefined,
    to: Timestamp | undefined,
): number | undefined {
    const a = millis(from);
    const b = millis(to);
    return a === undefined || b === undefined ? undefined : Math.round((b - a) / 100) / 10;
}

/** An event as the runner reads it. */
export interface EventView {
    readonly type?: string;
    readonly reason?: string;
    readonly message?: string;
}

/**
 * A warning that says the run cannot start until someone creates what it names: the Job
 * controller cannot create the pod (its ServiceAccount does not exist), or the kubelet
 * cannot mount a ConfigMap or Secret that does not exist.
 */
export function hopelessEvent(
    events: readonly EventView[],
): { reason: string; message: string } | undefined {
    const found = [...events]
        .reverse()
        .find(
            (e) =>
                e.type === "Warning" &&
                (e.reason === "FailedCreate" || e.reason === "FailedMount") &&
                /not found/.test(e.message ?? ""),
        );
    return found ? { reason: found.reason ?? "Warning", message: found.message ?? "" } : undefined;
}
