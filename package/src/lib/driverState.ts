/**
 * Judging a driver pod: is it still starting, running, done, failed, or unable to start?
 * Pure: a pod object (as the API returns it) and the elapsed time in, a verdict out.
 * This is where "spark-submit exited 0 but the driver failed" is caught: only the
 * driver container's own terminated state counts.
 */

/** The part of a Pod the runner reads. */
export interface PodView {
    readonly metadata?: {
        readonly name?: string;
        readonly uid?: string;
        readonly labels?: Record<string, string>;
    };
    readonly status?: {
        readonly phase?: string;
        readonly reason?: string;
        readonly message?: string;
        readonly conditions?: readonly {
            readonly type: string;
            readonly status: string;
            readonly reason?: string;
            readonly message?: string;
        }[];
        readonly containerStatuses?: readonly ContainerStatusView[];
    };
}

export interface ContainerStatusView {
    readonly name: string;
    readonly state?: {
        readonly waiting?: { readonly reason?: string; readonly message?: string };
        readonly running?: { readonly startedAt?: string };
        readonly terminated?: {
            readonly exitCode: number;
            readonly finishedAt?: Date | string;
            readonly reason?: string;
            readonly message?: string;
        };
    };
}

/** The container Spark runs the driver in. */
export const DRIVER_CONTAINER = "spark-kubernetes-driver";

/** Whether any container of a pod has started (is running or has run). */
export function containerStarted(pod: PodView): boolean {
    return (pod.status?.containerStatuses ?? []).some(
        (s) => s.state?.running !== undefined || s.state?.terminated !== undefined,
    );
}

/**
 * Waiting reasons that no amount of waiting fixes: a malformed image name, a pull policy
 * that forbids the pull, a variable from a Secret or ConfigMap that does not exist.
 */
const HOPELESS_WAITING = new Set([
    "InvalidImageName",
    "ErrImageNeverPull",
    "CreateContainerConfigError",
]);

export type DriverVerdict =
    | { readonly kind: "absent" }
    | { readonly kind: "starting"; readonly reason: string }
    | { readonly kind: "running" }
    | { readonly kind: "succeeded" }
    | {
          readonly kind: "failed";
          readonly exitCode: number;
          readonly reason: string;
          readonly message?: string;
      }
    | { readonly kind: "cannot-start"; readonly reason: string; readonly message: string };

/** The driver container's status, or the first container's if Spark renamed it. */
export function driverContainer(pod: PodView): ContainerStatusView | undefined {
    const statuses = pod.status?.containerStatuses ?? [];
    return statuses.find((s) => s.name === DRIVER_CONTAINER) ?? statuses[0];
}

/** Why a pod that is not running yet is not running, in one line. */
export function startingReason(pod: PodView): { reason: string; message: string } {
    const waiting = driverContainer(pod)?.state?.waiting;
    if (waiting?.reason) return { reason: waiting.reason, message: waiting.message ?? "" };
    const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    if (scheduled && scheduled.status !== "True") {
        return { reason: scheduled.reason ?? "NotScheduled", message: scheduled.message ?? "" };
    }
    return { reason: pod.status?.phase ?? "Pending", message: pod.status?.message ?? "" };
}

/**
 * Judges the driver pod.
 *
 * @param pod the driver pod, or undefined if it does not exist (yet or any more).
 * @param startElapsedSeconds seconds since submission, while the driver has not started.
 * @param startTimeoutSeconds how long the driver may take to start.
 */
export function judgeDriver(
    pod: PodView | undefined,
    startElapsedSeconds: number,
    startTimeoutSeconds: number,
): DriverVerdict {
    if (!pod) return { kind: "absent" };
    const container = driverContainer(pod);
    const terminated = container?.state?.terminated;
    const phase = pod.status?.phase;
    if (terminated) {
        if (terminated.exitCode === 0 && phase !== "Failed") return { kind: "succeeded" };
        return {
            kind: "failed",
            exitCode: terminated.exitCode,
            reason: terminated.reason ?? (terminated.exitCode === 0 ? "PodFailed" : "Error"),
            message: terminated.message ?? pod.status?.message,
        };
    }
    if (phase === "Failed") {
        // Evicted, deadline exceeded, or a node loss: no container exit to read.
        return {
            kind: "failed",
            exitCode: -1,
            reason: pod.status?.reason ?? "PodFailed",
            message: pod.status?.message,
        };
    }
    if (phase === "Succeeded") return { kind: "succeeded" };
    if (container?.state?.running) return { kind: "running" };

    const why = startingReason(pod);
    if (HOPELESS_WAITING.has(why.reason) || startElapsedSeconds >= startTimeoutSeconds) {
        return { kind: "cannot-start", reason: why.reason, message: why.message };
    }
    return { kind: "starting", reason: why.reason };
}
