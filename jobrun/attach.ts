/**
 * Following an in-cluster run to its end: the run is a Kubernetes Job that the stack
 * created; this watches it and its pods, reports progress as it happens, and gives the
 * outcome (or the failure, with exit code, reason, Python error and log tail).
 *
 * It holds no state of its own: attaching again to the same Job (after the deployer
 * was interrupted, or on refresh) gives the same outcome, and never starts a second run.
 */
import {
    DRIVER_CONTAINER,
    PodView,
    driverContainer,
    judgeDriver,
    containerStarted,
} from "../lib/driverState";
import {
    LOG_LINES_FOR_RESULT,
    LOG_LINES_ON_FAILURE,
    extractResult,
    logTail,
    pythonError,
    registeredExecutors,
} from "../lib/driverLog";
import { LABELS } from "../lib/jobSpec";
import { describeError } from "../lib/retry";
import {
    JobView,
    RunPodView,
    attemptOutcome,
    driverPods,
    executorsOf,
    judgeRun,
    secondsBetween,
} from "../lib/runState";
import type { KubeClient } from "./kube";
import { RunFailure } from "./runner";

/** Which run to follow, and how. */
export interface AttachSpec {
    /** The job's name in the stack config. */
    readonly job: string;
    readonly namespace: string;
    /** The run's Job. */
    readonly jobName: string;
    /** Regular expression picking the result line from the driver log. */
    readonly resultPattern?: string;
    /** How long each attempt's driver may take to start running. */
    readonly startTimeoutSeconds: number;
}

/** The outcome of a successful run. */
export interface AttachOutcome {
    readonly jobName: string;
    readonly driverPod: string;
    readonly namespace: string;
    readonly exitCode: number;
    readonly durationSeconds: number;
    readonly result: string;
    readonly executorsStarted: number;
    /** Driver pods the run took (1 + retried failures). */
    readonly attempts: number;
}

/** What attaching needs from the outside world. */
export interface AttachDeps {
    readonly kube: Pick<KubeClient, "listVersioned" | "podLog" | "delete" | "waitForChange">;
    now(): number;
    /** Progress, for humans. */
    log(message: string): void;
    /** Longest wait for news before timeouts are checked again; default 10 s. */
    readonly tickMs?: number;
}

/** One line on where a driver pod is. */
function podState(pod: PodView): string {
    const verdict = judgeDriver(pod, 0, Number.POSITIVE_INFINITY);
    if (verdict.kind === "starting") return verdict.reason;
    if (verdict.kind === "failed") return attemptOutcome(pod);
    if (verdict.kind === "succeeded") return "succeeded";
    return verdict.kind;
}

/** Follows the run's Job until it completes or fails. */
export async function attachRun(spec: AttachSpec, deps: AttachDeps): Promise<AttachOutcome> {
    const ns = spec.namespace;
    const runSelector = `${LABELS.run}=${spec.jobName}`;
    const attached = deps.now();
    const elapsed = () => Math.round((deps.now() - attached) / 1000);
    const reported = new Map<string, string>();
    const firstSeen = new Map<string, number>();
    const executorsSeen = new Set<string>();

    deps.log(`job ${spec.job}: following run ${ns}/${spec.jobName}`);
    for (;;) {
        const jobs = await deps.kube.listVersioned<JobView>(
            ns,
            "jobs",
            undefined,
            `metadata.name=${spec.jobName}`,
        );
        const job = jobs.items[0];
        if (!job) {
            throw new RunFailure(
                `job ${spec.job}: the run's Job ${ns}/${spec.jobName} does not exist (deleted after its driver could not start, or from outside). ` +
                    "`pulumi up --refresh` creates it again; so does a change of the job's settings or runId.",
            );
        }
        const pods = await deps.kube.listVersioned<RunPodView>(ns, "pods", runSelector);
        const drivers = driverPods(pods.items);

        drivers.forEach((pod, i) => {
            const name = pod.metadata?.name ?? "?";
            if (!firstSeen.has(name)) firstSeen.set(name, deps.now());
            const state = podState(pod);
            if (reported.get(name) !== state) {
                reported.set(name, state);
                deps.log(`attempt ${i + 1}, driver pod ${name}: ${state} (${elapsed()}s)`);
            }
        });
        for (const executor of pods.items) {
            const name = executor.metadata?.name;
            if (
                executor.metadata?.labels?.["spark-role"] === "executor" &&
                name &&
                !executorsSeen.has(name) &&
                containerStarted(executor)
            ) {
                executorsSeen.add(name);
                deps.log(`executor ${name}: started (${elapsed()}s)`);
            }
        }

        const verdict = judgeRun(job, pods.items);
        if (verdict.kind === "succeeded")
            return succeeded(spec, job, pods.items, verdict.driver, executorsSeen, deps);
        if (verdict.kind === "failed") return failed(spec, job, verdict, drivers.length, deps);

        await checkStart(spec, drivers, firstSeen, attached, deps);
        await deps.kube.waitForChange(
            [
                {
                    resource: "pods",
                    namespace: ns,
                    labelSelector: runSelector,
                    resourceVersion: pods.resourceVersion,
                },
                {
                    resource: "jobs",
                    namespace: ns,
                    fieldSelector: `metadata.name=${spec.jobName}`,
                    resourceVersion: jobs.resourceVersion,
                },
            ],
            deps.tickMs ?? 10_000,
        );
    }
}

/**
 * Fails the run if its newest driver has not started within the bound (or never can):
 * a pending pod would otherwise start whenever room frees up, long after `pulumi up`
 * gave up on it. So the Job is deleted (its pods with it) before failing.
 */
async function checkStart(
    spec: AttachSpec,
    drivers: readonly RunPodView[],
    firstSeen: ReadonlyMap<string, number>,
    attached: number,
    deps: AttachDeps,
): Promise<void> {
    const newest = drivers[drivers.length - 1];
    const since = newest ? (firstSeen.get(newest.metadata?.name ?? "") ?? attached) : attached;
    const waited = (deps.now() - since) / 1000;
    let why: { reason: string; message: string };
    if (newest) {
        // "cannot-start": past the bound, or a waiting reason no amount of waiting fixes.
        const verdict = judgeDriver(newest, waited, spec.startTimeoutSeconds);
        if (verdict.kind !== "cannot-start") return;
        why = verdict;
    } else {
        if (waited < spec.startTimeoutSeconds) return;
        why = await noPodReason(spec, deps);
    }
    const what = newest
        ? `driver pod ${spec.namespace}/${newest.metadata?.name}`
        : `the run's driver pod`;
    const failure = `job ${spec.job}: ${what} could not start within ${spec.startTimeoutSeconds}s: ${why.reason}${why.message ? `: ${why.message}` : ""}`;
    // The clean-up's own error is added to the failure; it never replaces it.
    let cleanup: string;
    try {
        await deps.kube.delete(spec.namespace, "jobs", spec.jobName);
        cleanup = `The run's Job ${spec.namespace}/${spec.jobName} was deleted, with its pods; \`pulumi up --refresh\` (or a change of the job's settings or runId) runs it again.`;
    } catch (err) {
        cleanup = `Deleting the run's Job ${spec.namespace}/${spec.jobName} failed too (${describeError(err)}): its pending pod may still start later; \`pulumi destroy\` or \`kubectl -n ${spec.namespace} delete job ${spec.jobName}\` removes it.`;
    }
    throw new RunFailure(`${failure}\n${cleanup}`);
}

/** Why a Job has no pod yet: the Job controller's last warning event about it. */
async function noPodReason(
    spec: AttachSpec,
    deps: AttachDeps,
): Promise<{ reason: string; message: string }> {
    // Only this Job's events (a field selector), not the whole namespace's.
    const events = await deps.kube.listVersioned<{
        type?: string;
        reason?: string;
        message?: string;
    }>(spec.namespace, "events", undefined, `involvedObject.name=${spec.jobName}`);
    const warning = events.items.filter((e) => e.type === "Warning").pop();
    return warning
        ? { reason: warning.reason ?? "Warning", message: warning.message ?? "" }
        : { reason: "NoPod", message: "the Job controller has created no pod yet" };
}

async function succeeded(
    spec: AttachSpec,
    job: JobView,
    pods: readonly RunPodView[],
    driver: RunPodView,
    executorsSeen: ReadonlySet<string>,
    deps: AttachDeps,
): Promise<AttachOutcome> {
    const driverName = driver.metadata?.name ?? "";
    const log = await deps.kube.podLog(
        spec.namespace,
        driverName,
        DRIVER_CONTAINER,
        LOG_LINES_FOR_RESULT,
    );
    let result = "";
    if (spec.resultPattern !== undefined) {
        const found = extractResult(log, spec.resultPattern);
        if (found === undefined) {
            throw new RunFailure(
                `job ${spec.job}: the driver succeeded but no line of its log matches resultPattern /${spec.resultPattern}/\n` +
                    `--- last ${LOG_LINES_ON_FAILURE} lines of the driver log (${spec.namespace}/${driverName}) ---\n${logTail(log, LOG_LINES_ON_FAILURE)}`,
            );
        }
        result = found;
    }
    const seen = [...executorsSeen].filter((name) => name.startsWith(`${driverName}-exec-`)).length;
    const outcome: AttachOutcome = {
        jobName: spec.jobName,
        driverPod: driverName,
        namespace: spec.namespace,
        exitCode: 0,
        // From the Job's start to the driver's own exit (the Job's completionTime can lag
        // behind it, e.g. after an API outage).
        durationSeconds:
            secondsBetween(
                job.status?.startTime,
                driverContainer(driver)?.state?.terminated?.finishedAt,
            ) ??
            secondsBetween(job.status?.startTime, job.status?.completionTime) ??
            0,
        result,
        executorsStarted: Math.max(
            seen,
            executorsOf(pods, driverName).length,
            registeredExecutors(log),
        ),
        attempts: driverPods(pods).length,
    };
    deps.log(
        `job ${spec.job}: succeeded in ${outcome.durationSeconds}s${result ? `: ${result}` : ""}`,
    );
    return outcome;
}

async function failed(
    spec: AttachSpec,
    job: JobView,
    verdict: { reason: string; message: string; driver?: RunPodView },
    attempts: number,
    deps: AttachDeps,
): Promise<never> {
    const lines = [
        `job ${spec.job}: run ${spec.namespace}/${spec.jobName} failed after ${attempts} attempt${attempts === 1 ? "" : "s"} (${verdict.reason}${verdict.message ? `: ${verdict.message}` : ""})`,
    ];
    if (verdict.reason === "DeadlineExceeded") {
        lines.push(
            `the run exceeded runTimeoutSeconds=${job.spec?.activeDeadlineSeconds ?? "?"}; Kubernetes stopped it`,
        );
    }
    const driver = verdict.driver;
    if (driver) {
        const name = driver.metadata?.name ?? "";
        const log = await deps.kube.podLog(
            spec.namespace,
            name,
            DRIVER_CONTAINER,
            LOG_LINES_FOR_RESULT,
        );
        const pyError = pythonError(log);
        lines.push(`driver pod ${spec.namespace}/${name}: ${attemptOutcome(driver)}`);
        if (pyError) lines.push(`python error: ${pyError}`);
        if (log)
            lines.push(
                `--- last ${LOG_LINES_ON_FAILURE} lines of the driver log ---`,
                logTail(log, LOG_LINES_ON_FAILURE),
            );
    }
    lines.push(
        `The failed Job stays in the cluster for its logs; an unchanged \`pulumi up\` reports this failure again. ` +
            "A change of the job's settings or runId (or `npm run job -- rerun`) runs it anew.",
    );
    throw new RunFailure(lines.join("\n"));
}
